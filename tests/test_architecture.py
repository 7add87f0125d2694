"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and they catch what they
forbid; docs/import-graph.md draws the graph as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

from kit import import_graph

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_the_tree_keeps_every_contract():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def contracts_run_on(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    """lint-imports with the kit's own contracts, on a tree of `files` shaped like the kit's."""
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    packages = ("agent", "components", "kit", "kit/cli", "kit/plan", "kit/localcluster", "pulumi")
    clouds = tuple(f"components/platforms/{cloud}" for cloud in ("local", "aks", "eks"))
    for package in (*packages, "components/platforms", *clouds):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", "pyproject.toml"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


@pytest.mark.live
def test_an_upward_import_breaks_the_layers(tmp_path):
    run = contracts_run_on(
        tmp_path,
        {"agent/k8s.py": "def f():\n    import components.labels\n", "components/labels.py": ""},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "agent.k8s -> components.labels" in run.stdout


@pytest.mark.live
def test_pulumi_in_the_cluster_cli_breaks_its_contract(tmp_path):
    run = contracts_run_on(
        tmp_path,
        {
            "kit/cli/status.py": "import components.names\n",
            "components/names.py": "import pulumi\n",
        },
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "kit.cli is not allowed to import pulumi" in run.stdout


@pytest.mark.live
def test_the_cluster_cli_importing_the_plan_breaks_their_independence(tmp_path):
    run = contracts_run_on(tmp_path, {"kit/cli/status.py": "import kit.plan.manifests\n"})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "kit.cli is not allowed to import kit.plan" in run.stdout


@pytest.mark.live
def test_one_cloud_importing_another_breaks_their_independence(tmp_path):
    run = contracts_run_on(
        tmp_path, {"components/platforms/eks/alerts.py": "import components.platforms.aks\n"}
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Each cloud's platform stands alone BROKEN" in run.stdout


@pytest.mark.live
def test_a_shared_component_importing_a_cloud_breaks_its_contract(tmp_path):
    run = contracts_run_on(
        tmp_path, {"components/sample_app.py": "import components.platforms.eks\n"}
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "nothing imports a cloud's package BROKEN" in run.stdout


@pytest.mark.live
def test_a_clean_tree_passes(tmp_path):
    run = contracts_run_on(tmp_path, {"kit/cli/status.py": "import agent\n"})
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_import_graph_page_is_current(tmp_path):
    page = tmp_path / "import-graph.md"
    page.write_text((ROOT / "docs" / "import-graph.md").read_text())
    assert not import_graph.update(page), (
        "run: python -m kit.import_graph --update docs/import-graph.md"
    )
