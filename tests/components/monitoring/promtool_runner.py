"""Run promtool (Prometheus' own checker) on generated rule files; fail, never skip, when it is
missing, since these checks are the only proof that the rules and queries work."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

INSTALL_HINT = "promtool not found: install it with `apt-get install prometheus` (Debian/Ubuntu)"


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, INSTALL_HINT
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )


def write_rules(path: Path, groups: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return path


def without_annotations(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules with their annotations dropped: promtool compares an alert's annotations
    exactly, and timing fixtures should not repeat every summary text."""
    return [
        {**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]}
        for g in groups
    ]
