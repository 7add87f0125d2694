"""One way for the kit to fetch a tool it pins (the Pulumi CLI, kind): download the release file
into `.tools/`, check its sha256 against the pinned one before using a byte of it, and move only
a verified, complete install into place, so a failure at any step leaves `.tools/` as it was.

Each failure is a DownloadError whose message is one line saying what to do instead.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.versions import file_sha256

ROOT = Path(__file__).resolve().parent.parent.parent
DOWNLOAD_TIMEOUT_SECONDS = 60

Say = Callable[[str], None]
# Turns the verified download into the folder to move into place (it may unpack it there).
Unpack = Callable[[Path, Path], Path]


class DownloadError(Exception):
    """The tool could not be fetched or installed; the message says why and what to do."""


def tools_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get("KIT_TOOLS_DIR") or ROOT / ".tools")


def this_platform(arches: Mapping[str, str]) -> str:
    """`<os>-<arch>` in a release's words, e.g. linux-x64 with Pulumi's `arches`, linux-amd64
    with kind's."""
    systems = {"linux": "linux", "darwin": "darwin", "win32": "windows"}
    machine = platform.machine()
    return f"{systems.get(sys.platform, sys.platform)}-{arches.get(machine.lower(), machine)}"


def chosen(variable: str, env: Mapping[str, str], error: type[DownloadError]) -> Path | None:
    """The executable `$variable` names (e.g. PULUMI=<path>), None when it is unset."""
    named = env.get(variable)
    if not named:
        return None
    found = shutil.which(named, path=env.get("PATH"))
    if found is None:
        raise error(f"{variable}={named} is not an executable file")
    return Path(found)


def pinned_sha256(
    table: Mapping[tuple[str, str], str],
    target: str,
    tool: str,
    instead: str,
    error: type[DownloadError],
) -> str:
    """The sha256 pinned for `target` (`<os>-<arch>`); else `error` naming the platforms pinned
    for `tool` and what to do `instead`."""
    os_name, _, arch = target.partition("-")
    expected = table.get((os_name, arch))
    if expected is None:
        pinned = ", ".join("-".join(p) for p in table)
        raise error(f"no pinned {tool} for {target} (pinned: {pinned}): {instead}")
    return expected


@dataclass(frozen=True)
class PinnedDownload:
    """A release file pinned by sha256. `prefix` starts every line said; `override` is the
    variable that names another binary instead (e.g. PULUMI=<path>)."""

    prefix: str
    override: str
    url: str
    sha256: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def install(self, final: Path, unpack: Unpack, say: Say, why: str) -> Path:
        """Download, verify and unpack into `final` (a folder). All work happens in a temporary
        folder next to it; only a verified, complete install is renamed into place."""
        final.parent.mkdir(parents=True, exist_ok=True)
        source = self.url.rsplit("/", 1)[0]
        partial = f".{final.name}-partial-"
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=partial) as work:
            download = Path(work) / self.name
            say(f"{self.prefix}: {why}; downloading {self.name} from {source}")
            self._download(download)
            digest = file_sha256(download)
            if digest != self.sha256:
                raise DownloadError(
                    f"{self.url} has sha256 {digest}, not the pinned {self.sha256}: nothing "
                    f"installed (a proxy or a changed release?); set {self.override} to use "
                    "another one"
                )
            say(f"{self.prefix}: checksum ok (sha256 {digest})")
            ready = unpack(download, Path(work) / "unpacked")
            try:
                ready.rename(final)
            except OSError as err:
                if not final.is_dir():  # else a concurrent install finished first
                    raise DownloadError(f"could not move {ready} into {final} ({err})") from None
        return final

    def _download(self, to: Path) -> None:
        try:
            with (
                urllib.request.urlopen(self.url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as answer,
                to.open("wb") as out,
            ):
                shutil.copyfileobj(answer, out)
        except urllib.error.HTTPError as err:
            raise DownloadError(
                f"could not download {self.url}: HTTP {err.code} {err.reason}"
            ) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", None) or err
            raise DownloadError(
                f"could not download {self.url} ({reason}): check the network, or set "
                f"{self.override}"
            ) from None


def one_line(err: Exception) -> str:
    return " ".join(str(err).split())
