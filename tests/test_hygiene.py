"""The suite's own guards: golden files cannot be rewritten silently, CI refuses to rewrite them,
every test has a deadline, the tiers select what they say (tests/tiers.py), and shared test code
is imported one way, from a helper module, never from a test module."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, assert_matches_golden


@pytest.mark.parametrize(
    ("ci", "expected", "content_after"),
    [
        (None, "rewrote g.yaml", "new\n"),  # rewritten, and the run fails anyway
        ("true", "refused when CI is set", "old\n"),  # CI leaves the file alone
    ],
)
def test_update_golden_never_passes(tmp_path, monkeypatch, ci, expected, content_after):
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    golden = tmp_path / "g.yaml"
    golden.write_text("old\n")
    with pytest.raises(pytest.fail.Exception, match=expected):
        assert_matches_golden(golden, "new\n")
    assert golden.read_text() == content_after


def test_a_difference_fails_without_update_golden(tmp_path, monkeypatch):
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    golden = tmp_path / "g.yaml"
    golden.write_text("old\n")
    with pytest.raises(AssertionError, match="differs"):
        assert_matches_golden(golden, "new\n")


def _pytest(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("UPDATE_GOLDEN", "CI")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.live
def test_ci_refuses_a_run_with_update_golden():
    run = _pytest(["tests/test_hygiene.py", "-k", "a_difference"], UPDATE_GOLDEN="1", CI="true")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "UPDATE_GOLDEN=1 is refused when CI is set" in run.stderr


def test_every_test_has_a_generous_deadline(pytestconfig):
    assert 60 <= float(pytestconfig.getini("timeout")) <= 900


@pytest.mark.live
def test_a_hung_test_is_stopped_by_its_deadline(tmp_path):
    (tmp_path / "test_hang.py").write_text("import time\n\ndef test_hang():\n    time.sleep(60)\n")
    # The project's settings (pyproject.toml) with only the deadline shortened.
    run = _pytest(
        [
            str(tmp_path),
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            "-o",
            "timeout=1",
        ]
    )
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "Timeout" in run.stdout


TIERS = """
import subprocess

import pytest


def test_offline():
    pass


@pytest.mark.live
def test_live():
    subprocess.run(["true"], check=True)


@pytest.mark.e2e
def test_e2e():
    subprocess.run(["true"], check=True)


def test_unmarked_but_starts_a_program():
    subprocess.run(["true"], check=True)
"""


def _tiers(tmp_path, *args: str) -> tuple[dict[str, str], str]:
    """The project's settings and tiers (tests/tiers.py) on TIERS: test name -> outcome, and
    pytest's output."""
    (tmp_path / "test_tiers.py").write_text(TIERS)
    settings = ["--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), "-p", "tests.tiers"]
    run = _pytest([str(tmp_path), *settings, "-rA", *args])
    outcomes = {}
    for line in run.stdout.splitlines():
        outcome, _, rest = line.partition(" ")
        if outcome in ("PASSED", "FAILED") and "::" in rest:
            outcomes[rest.split("::")[1].split(" ")[0]] = outcome
    return outcomes, run.stdout


@pytest.mark.live
@pytest.mark.parametrize(
    ("marks", "selected"),
    [
        ([], {"test_offline", "test_live"}),  # make test: all but e2e
        (["-m", "not live"], {"test_offline"}),  # the offline tier: e2e still left out
        (["-m", "e2e"], {"test_e2e"}),  # make e2e
    ],
)
def test_e2e_runs_only_when_m_names_it(tmp_path, marks, selected):
    outcomes, output = _tiers(tmp_path, "-k", "not unmarked", *marks)
    assert outcomes == dict.fromkeys(selected, "PASSED"), output


@pytest.mark.live
def test_a_test_that_starts_a_program_must_be_marked_live(tmp_path):
    outcomes, output = _tiers(tmp_path, "-k", "unmarked")
    assert outcomes == {"test_unmarked_but_starts_a_program": "FAILED"}, output
    assert "started the program true but is not marked live" in output


TESTS = ROOT / "tests"


def _imported(path) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in a file, `from a import b` as both a and a.b."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [(node.lineno, module)]
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def test_test_code_is_imported_as_tests_dot_module_and_never_from_a_test_module():
    """pytest puts each test folder on sys.path, so `helpers` and `tests.helpers` both load
    tests/helpers.py, as two modules with two copies of its state; a test module imported by
    another is loaded twice too. Shared code lives in helper modules (tests/helpers.py,
    tests/agent/otelcol.py, ...), imported by their full name from the repository root."""
    local = {p.stem for p in TESTS.rglob("*.py")}
    wrong: dict[str, str] = {}  # file:line -> the first wrong name on it, and why
    for path in sorted(TESTS.rglob("*.py")):
        for line, name in _imported(path):
            parts = name.split(".")
            where = f"{path.relative_to(ROOT)}:{line}"
            if name.startswith(".") or parts[0] in local:
                wrong.setdefault(where, f"{name} (import it as tests.<folder>.<module>)")
            elif parts[0] == "tests" and any(p.startswith("test_") for p in parts):
                wrong.setdefault(where, f"{name} (a test module: share through a helper module)")
    assert wrong == {}, "\n".join(f"{where}: {why}" for where, why in wrong.items())


KIT_PACKAGES = ("agent", "components", "kit", "policy", "tests")


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) of each private name a file takes from the kit's own modules: imported
    (`from kit.x import _y`) or reached through an imported module (`x._y`)."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to the kit's modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in KIT_PACKAGES:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append((node.lineno, f"{node.module}.{alias.name}"))
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in KIT_PACKAGES:
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from kit.plan.offline import _resolve\n", [(1, "kit.plan.offline._resolve")]),
        ("from kit.plan import offline\noffline._sync_await(x)\n", [(2, "offline._sync_await")]),
        ("import components.sample_app as app\napp._meta()\n", [(2, "app._meta")]),
        ("from kit.plan import offline\noffline.resolve(x)\nself._lock\n", []),
        ("from pulumi.runtime import settings\nsettings._x\n", []),
    ],
)
def test_private_uses_are_found(source, expected):
    assert private_uses(source) == expected


def test_tests_use_only_the_public_names_of_the_kit():
    """A test that reaches a private name pins an implementation detail: what it needs should
    be public (and documented as such) in the module it tests."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, name in private_uses(path.read_text())
    ]
    assert found == [], "\n".join(found)
