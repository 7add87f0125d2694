"""docs/WALKTHROUGH.md stays runnable: every `python -m kit ...` in it parses with the CLI's
own argparse, every `make ...` is a Makefile target, and every subcommand and choice the CLI
offers is shown there at least once."""

from __future__ import annotations

import re
import shlex

import pytest

from kit import cli
from kit.__main__ import build_parser
from kit.cli.arguments import OPEN_TARGETS
from kit.cli.open_ui import TARGETS
from tests.kit.cli.kitcli_fakes import ROOT

WALKTHROUGH = ROOT / "docs" / "WALKTHROUGH.md"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`\n]+)`")
KIT = re.compile(r"python -m kit ([^#\s][^#\n]*)")  # a bare `python -m kit` is prose
MAKE = re.compile(r"(?:^|\s)make ([a-z][\w-]*)")
TARGET = re.compile(r"^([a-zA-Z][\w .-]*?)\s*:(?!=)", re.MULTILINE)


def code_snippets() -> list[str]:
    text = WALKTHROUGH.read_text()
    fenced = FENCE.findall(text)
    prose = FENCE.sub("", text)
    return fenced + INLINE.findall(prose)


def kit_commands() -> list[str]:
    return sorted({m.strip() for s in code_snippets() for m in KIT.findall(s)})


def make_targets_used() -> set[str]:
    return {m for s in code_snippets() for m in MAKE.findall(s)}


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {t for line in TARGET.findall(text) for t in line.split()}


def test_walkthrough_has_commands():
    assert len(kit_commands()) >= 10 and {"up", "destroy"} <= make_targets_used()


@pytest.mark.parametrize("command", kit_commands())
def test_kit_command_parses(command):
    try:
        args = build_parser().parse_args(shlex.split(command))
    except SystemExit as stop:
        pytest.fail(f"`python -m kit {command}` does not parse (exit {stop.code})")
    assert args.command in (*cli.COMMANDS, "plan", "config-docs")


def test_make_targets_exist():
    missing = make_targets_used() - makefile_targets()
    assert not missing, f"WALKTHROUGH.md uses make targets the Makefile lacks: {missing}"


def test_every_cli_command_and_choice_is_walked_through():
    used = [shlex.split(c) for c in kit_commands()]
    assert set(cli.COMMANDS) <= {c[0] for c in used}
    assert set(TARGETS) <= {c[1] for c in used if c[0] == "open"}
    assert {"pod", "node", "slow", "errors"} <= {c[1] for c in used if c[0] == "break"}


def test_open_offers_every_target():
    assert list(OPEN_TARGETS) == sorted(TARGETS)


def test_break_and_heal_are_shown_with_their_stack():
    """They refuse to run without one (kit/cli/break_heal.py): the page must not show that."""
    used = [shlex.split(c) for c in kit_commands()]
    bare = [" ".join(c) for c in used if c[0] in ("break", "heal") and "--stack" not in c]
    assert not bare, f"break/heal without --stack in WALKTHROUGH.md: {bare}"
