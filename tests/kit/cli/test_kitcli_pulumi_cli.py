"""The pinned Pulumi CLI on demand (kit/cli/pulumi_cli.py), against a loopback server that serves
a small archive shaped like Pulumi's release (`pulumi/pulumi` and a language host) with its real
sha256 pinned in place of the release's: installed, verified, reused, refused in one line."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from pathlib import Path

import pytest

from kit.cli import pulumi_cli
from tests.helpers import ROOT
from tests.kit.cli.kitcli_releases import Releases, closed_port, files_under

PLATFORM = "linux-x64"
ARCHIVE = f"pulumi-v{pulumi_cli.VERSION}-{PLATFORM}.tar.gz"


def release_archive(members: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o755
            tar.addfile(info, io.BytesIO(content))
    return data.getvalue()


GOOD = release_archive(
    {
        "pulumi/pulumi": f"#!/bin/sh\necho v{pulumi_cli.VERSION}\n".encode(),
        "pulumi/pulumi-language-python": b"#!/bin/sh\n",
    }
)


@pytest.fixture
def releases(httpserver) -> Releases:
    return Releases(httpserver)


@pytest.fixture
def machine(tmp_path, monkeypatch, releases):
    """A linux-x64 machine with no `pulumi` on PATH, its own tools folder, and the loopback
    server as Pulumi's releases; `pin(archive)` pins that archive's sha256 for linux-x64."""
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    monkeypatch.setenv("PATH", str(empty_path))
    monkeypatch.delenv("PULUMI", raising=False)
    monkeypatch.setenv("KIT_TOOLS_DIR", str(tmp_path / "tools"))
    monkeypatch.setenv("KIT_PULUMI_RELEASES", releases.url)
    monkeypatch.setattr(pulumi_cli, "this_platform", lambda: PLATFORM)

    def pin(archive: bytes) -> None:
        checksum = hashlib.sha256(archive).hexdigest()
        monkeypatch.setattr(pulumi_cli, "SHA256", {("linux", "x64"): checksum})

    pin.bin, pin.tools = empty_path, tmp_path / "tools"
    return pin


def run(capsys) -> tuple[int, str, list[str]]:
    code = pulumi_cli.main(["path"])
    out, err = capsys.readouterr()
    return code, out.strip(), err.splitlines()


@pytest.mark.live
def test_a_missing_cli_is_downloaded_verified_and_unpacked_saying_each_step(
    machine, releases, capsys
):
    releases.files[ARCHIVE] = GOOD
    machine(GOOD)
    code, out, err = run(capsys)
    installed = machine.tools / f"pulumi-v{pulumi_cli.VERSION}"
    assert (code, out) == (0, str(installed / "pulumi"))
    assert err == [
        f"pulumi-cli: no Pulumi CLI found; downloading {ARCHIVE} from {releases.url}",
        f"pulumi-cli: checksum ok (sha256 {hashlib.sha256(GOOD).hexdigest()})",
        f"pulumi-cli: unpacked into {installed}",
    ]
    assert releases.asked == [f"/releases/{ARCHIVE}"]
    # the release's folder as it ships, the language host next to the CLI; nothing else left
    assert files_under(machine.tools) == [
        installed,
        installed / "pulumi",
        installed / "pulumi-language-python",
    ]
    assert (installed / "pulumi").stat().st_mode & 0o100


@pytest.mark.live
def test_an_existing_install_is_used_without_a_download(machine, releases, capsys):
    releases.files[ARCHIVE] = GOOD
    machine(GOOD)
    assert run(capsys)[0] == 0
    code, out, err = run(capsys)
    assert (code, err) == (0, [])
    assert out.endswith(f"pulumi-v{pulumi_cli.VERSION}/pulumi")
    assert len(releases.asked) == 1


@pytest.mark.live
def test_a_checksum_mismatch_installs_nothing_and_says_so_in_one_line(machine, releases, capsys):
    releases.files[ARCHIVE] = GOOD
    machine(b"another archive")
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err[-1].startswith(f"pulumi-cli: {releases.url}/{ARCHIVE} has sha256 ")
    assert "not the pinned" in err[-1] and "nothing installed" in err[-1]
    assert len(err) == 2  # the download line, then the refusal
    assert files_under(machine.tools) == []


@pytest.mark.live
def test_a_pinned_archive_that_does_not_unpack_is_one_line_and_installs_nothing(
    machine, releases, capsys
):
    corrupt = b"\x1f\x8b not really gzip"
    releases.files[ARCHIVE] = corrupt
    machine(corrupt)
    code, _, err = run(capsys)
    assert code == 2
    assert err[-1].startswith(f"pulumi-cli: could not unpack {ARCHIVE} (")
    assert err[-1].endswith("): nothing installed")
    assert files_under(machine.tools) == []


@pytest.mark.live
def test_a_missing_archive_is_one_line_naming_the_url(machine, releases, capsys):
    machine(GOOD)
    code, _, err = run(capsys)
    assert code == 2
    assert err[-1] == f"pulumi-cli: could not download {releases.url}/{ARCHIVE}: HTTP 404 Not Found"
    assert files_under(machine.tools) == []


@pytest.mark.live
def test_an_unreachable_server_is_one_line(machine, monkeypatch, capsys):
    closed = closed_port()
    monkeypatch.setenv("KIT_PULUMI_RELEASES", closed)
    machine(GOOD)
    code, _, err = run(capsys)
    assert code == 2
    assert re.fullmatch(
        rf"pulumi-cli: could not download {closed}/{re.escape(ARCHIVE)} \(.*refused\): "
        r"check the network, or set PULUMI=<path>",
        err[-1],
    )
    assert files_under(machine.tools) == []


@pytest.mark.live
def test_an_unsupported_platform_is_one_line_and_downloads_nothing(
    machine, releases, monkeypatch, capsys
):
    monkeypatch.setattr(pulumi_cli, "this_platform", lambda: "windows-x64")
    code, _, err = run(capsys)
    assert code == 2
    assert err == [
        f"pulumi-cli: no pinned Pulumi CLI v{pulumi_cli.VERSION} for windows-x64 (pinned: "
        "linux-x64, linux-arm64, darwin-x64, darwin-arm64): set PULUMI=<path> or install the CLI "
        "(https://www.pulumi.com/docs/iac/download-install/)"
    ]
    assert releases.asked == []


def _script(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.mark.live
def test_pulumi_overrides_path_and_the_pinned_cli(machine, releases, monkeypatch, tmp_path, capsys):
    built = _script(tmp_path / "e2e" / "pulumi")
    _script(machine.bin / "pulumi")
    monkeypatch.setenv("PULUMI", str(built))
    assert run(capsys)[:2] == (0, str(built))
    monkeypatch.setenv("PULUMI", str(tmp_path / "nowhere" / "pulumi"))
    assert run(capsys)[2] == [
        f"pulumi-cli: PULUMI={tmp_path / 'nowhere' / 'pulumi'} is not an executable file"
    ]
    assert releases.asked == []


@pytest.mark.live
def test_a_cli_on_path_comes_before_the_pinned_one(machine, releases, capsys):
    on_path = _script(machine.bin / "pulumi")
    assert run(capsys)[:2] == (0, str(on_path))
    assert releases.asked == []


def test_the_pinned_table_covers_the_platforms_it_claims_with_sha256_digests():
    assert set(pulumi_cli.SHA256) == {
        (os_name, arch) for os_name in ("linux", "darwin") for arch in ("x64", "arm64")
    }
    for checksum in pulumi_cli.SHA256.values():
        assert re.fullmatch(r"[0-9a-f]{64}", checksum)
    assert len(set(pulumi_cli.SHA256.values())) == len(pulumi_cli.SHA256)


def test_the_pinned_version_is_the_one_the_docs_and_the_makefile_read():
    source = (ROOT / "kit" / "cli" / "pulumi_cli.py").read_text()
    assert re.search(r'^VERSION = "(.*)"$', source, re.M)[1] == pulumi_cli.VERSION
    docs = (ROOT / "docs" / "configuration.md").read_text()
    assert f"Pulumi CLI v{pulumi_cli.VERSION}" in docs
