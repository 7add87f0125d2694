"""The pinned kind on demand (kit/cli/kind_cli.py), fetched through the shared pinned download
(kit/cli/pinned_download.py) from a loopback server serving kind-shaped release binaries (the
stand-in kind script, its real sha256 pinned in place of the release's): good, corrupt, missing."""

from __future__ import annotations

import hashlib
import re

import pytest

from components import versions
from kit.cli import kind_cli, kind_cluster
from tests.helpers import ROOT
from tests.kit.cli import kitcli_kind_fakes as fakes
from tests.kit.cli.kitcli_releases import Releases, files_under

PLATFORM = "linux-amd64"
BINARY = f"v{kind_cli.VERSION}/kind-{PLATFORM}"
GOOD = fakes.FAKE_KIND.encode()


@pytest.fixture
def machine(tmp_path, monkeypatch, httpserver):
    """Docker, no kind on PATH, no kube context, kind's releases on loopback; `pin(binary)` pins
    that binary's sha256 for linux-amd64."""
    machine = fakes.install(tmp_path / "fake", kind=False)
    machine.releases = Releases(httpserver)
    machine.env = fakes.environment(machine, tmp_path, machine.releases.url)
    monkeypatch.delenv("KIND", raising=False)
    for key, value in machine.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(kind_cli, "this_platform", lambda: PLATFORM)
    machine.tools = tmp_path / "tools"

    def pin(binary: bytes) -> None:
        checksum = hashlib.sha256(binary).hexdigest()
        monkeypatch.setattr(kind_cli, "SHA256", {("linux", "amd64"): checksum})

    machine.pin = pin
    return machine


def said(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


@pytest.mark.live
def test_a_missing_kind_is_downloaded_verified_and_then_creates_the_cluster(machine, capsys):
    machine.releases.files[BINARY] = GOOD
    machine.pin(GOOD)
    assert kind_cluster.main(["up", "--stack", "local"]) == 0
    installed = machine.tools / f"kind-v{kind_cli.VERSION}"
    err = said(capsys)
    assert err[1:4] == [
        f"kind: no kind v{kind_cli.VERSION} found; downloading kind-{PLATFORM} from "
        f"{machine.releases.url}/v{kind_cli.VERSION}",
        f"kind: checksum ok (sha256 {hashlib.sha256(GOOD).hexdigest()})",
        f"kind: installed into {installed}",
    ]
    assert machine.releases.asked == [f"/releases/{BINARY}"]
    assert files_under(machine.tools) == [installed, installed / "kind"]
    assert (installed / "kind").stat().st_mode & 0o111 == 0o111
    assert machine.clusters() == ["o11y-kit-local"]  # the downloaded kind ran
    # the next time it is there: no download
    assert kind_cli.resolve(say=print) == installed / "kind"
    assert len(machine.releases.asked) == 1


@pytest.mark.live
def test_a_corrupt_binary_installs_nothing_creates_nothing_and_says_so_in_one_line(machine, capsys):
    machine.releases.files[BINARY] = b"not the release"
    machine.pin(GOOD)
    assert kind_cluster.main(["up", "--stack", "local"]) == 2
    last = said(capsys)[-1]
    assert last.startswith(f"local-cluster: kind: {machine.releases.url}/{BINARY} has sha256 ")
    assert last.endswith(
        f"not the pinned {hashlib.sha256(GOOD).hexdigest()}: nothing installed (a proxy or a "
        "changed release?); set KIND=<path> to use another one"
    )
    assert files_under(machine.tools) == []
    assert machine.clusters() == [] and not [c for c in machine.calls() if "kind" in c]


@pytest.mark.live
def test_a_missing_binary_is_one_line_naming_the_url(machine, capsys):
    machine.pin(GOOD)
    assert kind_cluster.main(["up", "--stack", "local"]) == 2
    assert said(capsys)[-1] == (
        f"local-cluster: kind: could not download {machine.releases.url}/{BINARY}: "
        "HTTP 404 Not Found"
    )
    assert files_under(machine.tools) == []


@pytest.mark.live
def test_a_kind_of_another_release_on_path_is_not_used(machine, monkeypatch, capsys):
    old = machine.bin / "kind"
    old.write_text(fakes.FAKE_KIND)
    old.chmod(0o755)
    monkeypatch.setenv("FAKE_KIND_VERSION", "0.20.0")
    machine.releases.files[BINARY] = GOOD
    machine.pin(GOOD)
    found = kind_cli.resolve(say=print)
    assert found == machine.tools / f"kind-v{kind_cli.VERSION}" / "kind"
    assert capsys.readouterr().out.splitlines()[0] == (
        f"kind: {old} is v0.20.0, not v{kind_cli.VERSION}, whose node image the kit pins; "
        "using the pinned release"
    )
    monkeypatch.setenv("FAKE_KIND_VERSION", kind_cli.VERSION)
    assert kind_cli.resolve(say=print) == old
    monkeypatch.setenv("KIND", str(machine.bin / "nowhere"))
    with pytest.raises(kind_cli.KindCliError, match=r"KIND=.*nowhere is not an executable file"):
        kind_cli.resolve(say=print)


def test_an_unsupported_platform_is_one_line_and_downloads_nothing(tmp_path):
    with pytest.raises(kind_cli.KindCliError) as refused:
        kind_cli.install(tmp_path, "windows-amd64", "http://127.0.0.1:9", print)
    assert str(refused.value) == (
        f"no pinned kind v{kind_cli.VERSION} for windows-amd64 (pinned: linux-amd64, "
        f"linux-arm64, darwin-amd64, darwin-arm64): set KIND=<path> to a kind "
        f"v{kind_cli.VERSION}, or use a cluster of your own (kubectl config use-context <name>)"
    )
    assert files_under(tmp_path) == []


def test_the_pins_cover_four_platforms_and_a_node_image_by_digest_the_kit_supports():
    assert set(kind_cli.SHA256) == {(o, a) for o in ("linux", "darwin") for a in ("amd64", "arm64")}
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in kind_cli.SHA256.values())
    assert len(set(kind_cli.SHA256.values())) == 4
    image = re.fullmatch(r"kindest/node:v1\.(\d+)\.\d+@sha256:[0-9a-f]{64}", kind_cli.NODE_IMAGE)
    minor = int(image[1])
    assert int(versions.K8S_OLDEST.split(".")[1]) <= minor <= int(versions.K8S_NEWEST.split(".")[1])
    docs = (ROOT / "docs" / "stacks.md").read_text()
    assert f"kind v{kind_cli.VERSION}" in docs and kind_cli.NODE_IMAGE in docs
