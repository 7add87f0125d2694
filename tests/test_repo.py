"""Promises the repository makes to its users: pinned dependencies and true docs."""

from __future__ import annotations

import re
import subprocess

import pytest

from kit.config_docs import config_table
from tests.helpers import ROOT


def test_every_python_dependency_is_pinned_exactly():
    for requirements in ("requirements.in", "policy/requirements.in"):
        for line in (ROOT / requirements).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.]+$", line), (requirements, line)


@pytest.mark.parametrize("folder", ["", "policy/"])
def test_every_locked_dependency_is_pinned_exactly_with_hashes_and_installed_with_them(folder):
    """pip checks each downloaded file against the lock; the lock holds every direct pin."""
    text = (ROOT / folder / "requirements.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z])", text)
    locked = {}
    for entry in entries:
        entry = "\n".join(line for line in entry.splitlines() if not line.lstrip().startswith("#"))
        if not entry.strip():
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([\w.]+) \\\n", entry)
        assert match, entry
        assert re.findall(r"--hash=sha256:[0-9a-f]{64}", entry), match[1]
        locked[canonical(match[1])] = match[2]
    for line in (ROOT / folder / "requirements.in").read_text().splitlines():
        pin = line.split("#")[0].strip()
        if pin:
            name, version = pin.split("==")
            assert locked.get(canonical(name.split("[")[0])) == version, pin
    makefile = (ROOT / "Makefile").read_text()
    assert f"pip install --quiet --require-hashes -r {folder}requirements.txt" in makefile


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_config_table_is_generated_from_pulumi_yaml():
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert config_table() in page, "run `python -m kit config-docs --update docs/configuration.md`"


def test_readme_quick_start_and_test_command_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    commands = [c for c in commands if c and not c.startswith("export ")]
    assert commands == ["make up STACK=local", "make test"], "the quick start: main job, tests"
    assert "make test" in ci


@pytest.mark.live
def test_the_repository_tracks_no_symlink():
    """A symlinked venv once slipped into a commit (`venv/` did not ignore a symlink) and made
    every fresh clone's `make test` fail; nothing the kit ships needs a symlink."""
    listed = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    links = [line.split("\t", 1)[1] for line in listed.splitlines() if line.startswith("120000")]
    assert links == []
