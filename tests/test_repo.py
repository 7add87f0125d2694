"""Promises the repository makes to its users: pinned dependencies and true docs."""

from __future__ import annotations

import re
import subprocess

import pytest

from kit.config_docs import config_table
from tests.helpers import ROOT


def test_every_python_dependency_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.]+$", line), line


def test_the_config_table_is_generated_from_pulumi_yaml():
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert config_table() in page, "run `python -m kit config-docs --update docs/configuration.md`"


def test_readme_quick_start_and_test_command_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make up STACK=local" in readme
    assert "make test" in readme
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
