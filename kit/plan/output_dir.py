"""The folder `python -m kit plan --out DIR` writes into, replaced only when the kit wrote it.

A plan folder is thrown away and rewritten on every run; anything else (the stack files with
their `encryptionsalt`, the checkout, a user's folder) must never be. So the kit drops a marker
file into every folder it writes and replaces a folder only when that marker is there; an empty
or missing folder is fine, anything else is refused with one line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = ".o11y-kit-plan"
MARKER_TEXT = "written by `python -m kit plan`; the next plan run replaces this whole folder\n"


class OutDirError(ValueError):
    """The output folder holds something the kit did not write: nothing was touched."""


def prepare(out: Path) -> None:
    """Make `out` an empty folder carrying the marker, or raise OutDirError untouched."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutDirError(f"--out {out}: not a folder; give a folder for the plan (e.g. plan/)")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise OutDirError(
                f"--out {out}: the folder is not empty and was not written by `kit plan` "
                f"(no {MARKER} in it); nothing was deleted. Choose a new or empty folder (a plan "
                "folder from an older kit: delete it yourself once)."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(MARKER_TEXT)
