"""The kind binary and node image the kit creates a local cluster with, pinned here in one place,
and fetched like the Pulumi CLI (kit/cli/pinned_download.py): `$KIND` if set, else a `kind` on
PATH that is the pinned release, else the pinned release downloaded into `.tools/` and checked
against its sha256 first. A kind of another release is not used: the node image is built for
the release that names it. KIT_KIND_RELEASES points at a mirror of kind's releases.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from kit.cli.pinned_download import (
    DownloadError,
    PinnedDownload,
    Say,
    chosen,
    pinned_sha256,
    tools_dir,
)
from kit.cli.pinned_download import this_platform as platform_in

# kubernetes-sigs/kind v0.32.0 (tag commit cda67ef8588f6bfdac5358233f2471cb2149ecaf). Its default
# CNI, kindnetd, enforces NetworkPolicy (sigs.k8s.io/kube-network-policies, in
# images/kindnetd/cmd/kindnetd/main.go since commit e7903573 "implement network policies", first
# released in v0.24.0); the node image below ships kindest/kindnetd:v20260528-9350166c
# (pkg/build/nodeimage/const_cni.go at v0.32.0), built from a commit with that code.
VERSION = "0.32.0"
RELEASES = "https://github.com/kubernetes-sigs/kind/releases/download"
# sha256 of each release binary, as its kind-<os>-<arch>.sha256sum asset gives it, read from
# cert-manager/makefile-modules modules/tools/00_mod.mk at f5352119 ("update tools to v0.32.0"),
# which checks each download against them; the same four values are pinned in many other
# public install scripts. Windows is left out: the kit's make targets need a POSIX shell.
SHA256 = {
    ("linux", "amd64"): "50030de23cf40a18505f20426f6a8506bedf13c6e509244bd1fa9463721b0f54",
    ("linux", "arm64"): "b92cd615e97585de8ddade28ed5cd7feb4248d717c233eea5b03c37298900f5d",
    ("darwin", "amd64"): "295ac6d0d634c9819c9907df45e3017d1f13166bd13c3404c45e79f7faa47498",
    ("darwin", "arm64"): "dca67911095a110c2b5c36e26df6cac860c602033e456c0db47be498cdef1ebb",
}
# The release's default node image, a multi-arch index pinned by digest
# (pkg/apis/config/defaults/image.go at v0.32.0): Kubernetes 1.36, the kit's K8S_DEFAULT.
NODE_IMAGE = (
    "kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5"
)
# Python's names for a machine, in the words of kind's release file names.
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
VERSION_TIMEOUT_SECONDS = 10


class KindCliError(DownloadError):
    """No pinned kind could be found or installed: one line saying why and what to do."""


def install_dir(tools: Path) -> Path:
    return tools / f"kind-v{VERSION}"


def this_platform() -> str:
    """`<os>-<arch>` as kind names its release files, e.g. linux-amd64, darwin-arm64."""
    return platform_in(ARCHES)


def resolve(env: Mapping[str, str] = os.environ, say: Say = print) -> Path:
    """The kind to run, installing the pinned release for this machine when there is none."""
    named = chosen("KIND", env, KindCliError)
    if named:
        return named
    on_path = shutil.which("kind", path=env.get("PATH"))
    if on_path:
        release = _release_of(on_path)
        if release == VERSION:
            return Path(on_path)
        shown = f"v{release}" if release else "of an unknown release"
        say(
            f"kind: {on_path} is {shown}, not v{VERSION}, whose node image the kit pins; "
            "using the pinned release"
        )
    installed = install_dir(tools_dir(env)) / "kind"
    if installed.is_file():
        return installed
    releases = env.get("KIT_KIND_RELEASES") or RELEASES
    return install(tools_dir(env), this_platform(), releases, say)


def install(tools: Path, target: str, releases: str, say: Say) -> Path:
    instead = (
        f"set KIND=<path> to a kind v{VERSION}, or use a cluster of your own "
        "(kubectl config use-context <name>)"
    )
    expected = pinned_sha256(SHA256, target, f"kind v{VERSION}", instead, KindCliError)
    url = f"{releases.rstrip('/')}/v{VERSION}/kind-{target}"
    release = PinnedDownload("kind", "KIND=<path>", url, expected)
    final = release.install(install_dir(tools), _as_executable, say, f"no kind v{VERSION} found")
    say(f"kind: installed into {final}")
    return final / "kind"


def _as_executable(binary: Path, into: Path) -> Path:
    into.mkdir()
    placed = binary.rename(into / "kind")
    placed.chmod(0o755)
    return into


def _release_of(kind: str) -> str | None:
    """ "0.32.0" from `kind version` ("kind v0.32.0 go1.26.5 linux/amd64"), or None."""
    try:
        said = subprocess.run(
            [kind, "version"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT_SECONDS,
            check=False,
        ).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return said[1].removeprefix("v") if len(said) > 1 and said[0] == "kind" else None
