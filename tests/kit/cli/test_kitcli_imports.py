"""The cluster commands start without the Pulumi SDKs: they take names and ports from
components/names.py, never from the Pulumi components. Their --help loads not even the
kubernetes client (kit/cli/arguments.py). Checked in a fresh interpreter, since this test
session has long imported Pulumi itself."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# In a fresh interpreter: `python -m kit status --help`, then every module of the cluster commands
# (kit.cli.crd_leftovers too: `make destroy` runs it); a finder records how each pulumi* got
# imported.
PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, runpy, sys, traceback

    chains = {}

    class Watch:
        @staticmethod
        def find_spec(name, path=None, target=None):
            root = name.partition(".")[0]
            if root.startswith("pulumi") and root not in chains:
                stack = traceback.extract_stack()[:-1]
                chains[root] = [
                    f"{f.filename}:{f.lineno}" for f in stack if not f.filename.startswith("<")
                ]
            return None

    sys.meta_path.insert(0, Watch)
    sys.argv = ["python -m kit", "status", "--help"]
    try:
        runpy.run_module("kit", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        assert done.code == 0, done.code
    help_loaded = sorted(m for m in sys.modules if m.partition(".")[0] == "kubernetes")
    import kit.cli
    for info in pkgutil.iter_modules(kit.cli.__path__, "kit.cli."):
        importlib.import_module(info.name)
    loaded = sorted(m for m in sys.modules if m.partition(".")[0].startswith("pulumi"))
    print(json.dumps({"loaded": loaded, "chains": chains, "help_loaded": help_loaded}))
    """
)


@pytest.fixture(scope="module")
def found() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.live
def test_cluster_commands_do_not_import_pulumi(found):
    chains = "\n".join(
        f"{root}, imported from:\n  " + "\n  ".join(chain)
        for root, chain in found["chains"].items()
    )
    assert not found["loaded"], f"the cluster commands import Pulumi:\n{chains}"


@pytest.mark.live
def test_help_answers_without_the_kubernetes_client(found):
    assert not found["help_loaded"], "status --help loads the kubernetes client"
