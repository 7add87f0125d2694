"""The Pulumi CLI that `make up`/`make destroy` and the kit's commands run, so a laptop without
one still gets from a checkout to a running kit: `$PULUMI` if set, else `pulumi` on PATH, else
Pulumi's release pinned here, downloaded into `.tools/` on first use and checked against the
sha256 Pulumi published for it before anything is unpacked.

`python -m kit.cli.pulumi_cli path` prints the CLI to use (installing it when needed), one line
on stderr per step; a failure is one line and exit status 2, with nothing left half-installed.
KIT_TOOLS_DIR moves `.tools/`; KIT_PULUMI_RELEASES points at a mirror of Pulumi's releases.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path

from kit.cli.pinned_download import (
    DownloadError,
    PinnedDownload,
    Say,
    chosen,
    one_line,
    pinned_sha256,
    tools_dir,
)
from kit.cli.pinned_download import this_platform as platform_in

# The Makefile reads this line (the folder it adds to PATH): keep it `VERSION = "..."`.
VERSION = "3.259.0"
# Where Pulumi's installer (pulumi/get.pulumi.com dist/install.sh) downloads from; its archives
# hold the binaries directly in a top-level `pulumi/` folder.
RELEASES = "https://get.pulumi.com/releases/sdk"
# sha256 of each release archive, read from Pulumi's own Homebrew formula for this version
# (github.com/pulumi/homebrew-tap, Formula/pulumi.rb at 51fb494, "Brew formula update for Pulumi
# version 3.259.0", written by pulumi-bot from the release's GitHub assets). Those are the bytes
# get.pulumi.com serves: for 3.175.0 the formula's digests equal nixpkgs pulumi-bin's for the
# get.pulumi.com URLs. The formula names no Windows archive, so Windows is left out rather than
# pinned to a checksum read nowhere.
SHA256 = {
    ("linux", "x64"): "94ba357acac23d01474084c4b00098dc0f7bc70ce13f34c777459254a5f718e5",
    ("linux", "arm64"): "edc8327463a72160bb36cf82cf5062da9c8a244290a706d9980988e7bf486853",
    ("darwin", "x64"): "eaca4c3b8277bfa3ab061fa3b270d1c66358a0b2e613da8c5587a04b7226c534",
    ("darwin", "arm64"): "57c27f179e527e2cf9f62b841a448af72a020e44b2fb4ee0d9bd85556c00c864",
}
# Python's names for a machine, in the words of Pulumi's archive names.
ARCHES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}
FAILED = 2


class PulumiCliError(DownloadError):
    """No CLI could be found or installed; the message says why and what to do, in one line."""


def install_dir(tools: Path) -> Path:
    """The release's `pulumi/` folder as the archive ships it: the CLI with its language hosts."""
    return tools / f"pulumi-v{VERSION}"


def this_platform() -> str:
    """`<os>-<arch>` as Pulumi names its archives, e.g. linux-x64, darwin-arm64."""
    return platform_in(ARCHES)


def find(env: Mapping[str, str] = os.environ) -> Path | None:
    """The CLI to use without downloading anything, or None: $PULUMI, `pulumi` on PATH, or the
    pinned CLI already in the tools folder."""
    named = chosen("PULUMI", env, PulumiCliError)
    if named:
        return named
    on_path = shutil.which("pulumi", path=env.get("PATH"))
    if on_path:
        return Path(on_path)
    installed = install_dir(tools_dir(env)) / "pulumi"
    return installed if installed.is_file() else None


def resolve(env: Mapping[str, str] = os.environ, say: Say = print) -> Path:
    """The CLI to use, installing the pinned release for this machine when there is none."""
    releases = env.get("KIT_PULUMI_RELEASES") or RELEASES
    return find(env) or install(tools_dir(env), this_platform(), releases, say)


def install(tools: Path, target: str, releases: str, say: Say) -> Path:
    """Download, verify and unpack the pinned release for `target` into the tools folder."""
    instead = (
        "set PULUMI=<path> or install the CLI (https://www.pulumi.com/docs/iac/download-install/)"
    )
    expected = pinned_sha256(SHA256, target, f"Pulumi CLI v{VERSION}", instead, PulumiCliError)
    url = f"{releases.rstrip('/')}/pulumi-v{VERSION}-{target}.tar.gz"
    release = PinnedDownload("pulumi-cli", "PULUMI=<path>", url, expected)
    final = release.install(install_dir(tools), _unpack, say, "no Pulumi CLI found")
    say(f"pulumi-cli: unpacked into {final}")
    return final / "pulumi"


def _unpack(archive: Path, into: Path) -> Path:
    """The archive's `pulumi/` folder (the CLI and its language hosts), unpacked under `into`."""
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as err:
        raise PulumiCliError(f"could not unpack {archive.name} ({err}): nothing installed") from err
    if not (into / "pulumi" / "pulumi").is_file():
        raise PulumiCliError(f"{archive.name} has no pulumi/pulumi: nothing installed")
    return into / "pulumi"


def main(argv: list[str]) -> int:
    if argv != ["path"]:
        print("usage: python -m kit.cli.pulumi_cli path", file=sys.stderr)
        return FAILED
    try:
        print(resolve(say=lambda line: print(line, file=sys.stderr, flush=True)))
    except DownloadError as err:
        print(f"pulumi-cli: {one_line(err)}", file=sys.stderr)
        return FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
