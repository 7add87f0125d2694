"""`python -m kit plan`, run as a user runs it, for every stack file."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml

from kit.plan import manifests
from tests.helpers import ROOT, STACK_NAMES, require_plan_tools


def run_plan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit", "plan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture
def plan_tools():
    require_plan_tools()


@pytest.mark.parametrize("stack", STACK_NAMES)
@pytest.mark.slow
@pytest.mark.live
def test_plan_writes_tree_manifests_and_outputs_and_all_objects_are_schema_valid(
    stack, tmp_path, plan_tools
):
    out = tmp_path / stack
    done = run_plan("--stack", stack, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all valid" in done.stdout
    low, high = manifests.supported_versions()
    assert f"against {low} and {high}" in done.stdout
    assert "pod templates checked against their namespace's Pod Security level" in done.stdout
    assert "all admitted" in done.stdout
    assert f"cost of stack {stack}" in done.stdout  # make plan ends with `kit cost`
    assert "DaemonSets on every node" in done.stdout  # and the pods' requests and limits
    assert "estimated active series into Prometheus: " in done.stdout
    assert "dashboards and rules against the measured series: all resolve" in done.stdout
    counted = re.search(
        r"(\d+) Kubernetes objects \((\d+) kit, (\d+) from charts: (.*)\)", done.stdout
    )
    total, kit, charts, per_release = counted.groups()
    rendered = {
        p.parent.name: [o for o in yaml.safe_load_all(p.read_text()) if o]
        for p in (out / "helm").glob("*/rendered.yaml")
    }
    assert sorted(rendered) == ["monitoring-kps", "monitoring-loki", "monitoring-tempo"]
    assert int(charts) == sum(len(objs) for objs in rendered.values()) > 100
    assert int(total) == int(kit) + int(charts)
    assert "kps " in per_release and "loki " in per_release and "tempo " in per_release
    tree = (out / "tree.txt").read_text()
    assert "o11y-kit:core:Namespaces  kit\n  kubernetes:core/v1:Namespace  kit-agent" in tree
    objects = [yaml.safe_load(p.read_text()) for p in sorted((out / "manifests").glob("*.yaml"))]
    assert objects[0]["kind"] == "Namespace"  # applied first
    assert manifests.validate(objects) == []
    # JSON schema "integer" accepts 8888.0; the API server's int32 fields do not.
    assert [path for path in _floats(objects)] == []
    outputs = json.loads((out / "outputs.json").read_text())
    assert outputs["cloud"] == stack
    if stack != "local":
        assert outputs["kubeconfig"] == "[secret]"  # never written in clear


@pytest.mark.live
def test_plan_reports_config_problems_without_a_traceback(tmp_path):
    done = run_plan("--stack", "local", "--out", str(tmp_path), "--set", "nodeCount=zero")
    assert done.returncode == 2
    assert "nodeCount = 'zero': not a valid integer." in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.live
def test_plan_names_the_known_stacks_when_asked_for_another(tmp_path):
    done = run_plan("--stack", "gke", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "stacks are: aks, eks, local" in done.stderr


@pytest.mark.parametrize("victim", ["stacks-copy", "checkout-like"])
@pytest.mark.live
def test_plan_out_refuses_a_folder_it_did_not_write_and_deletes_nothing(victim, tmp_path):
    """`--out stacks` used to delete the stack files (with their encryptionsalt)."""
    folder = tmp_path / victim
    folder.mkdir()
    (folder / "Pulumi.aks.yaml").write_text("encryptionsalt: v1:keep-me\n")
    done = run_plan("--stack", "local", "--out", str(folder))
    assert done.returncode == 2
    assert done.stderr.startswith(f"plan failed: --out {folder}: the folder is not empty and")
    assert "Traceback" not in done.stderr
    assert (folder / "Pulumi.aks.yaml").read_text() == "encryptionsalt: v1:keep-me\n"


@pytest.mark.live
def test_plan_closes_its_event_loops_before_the_interpreter_tears_down(tmp_path):
    """The refusal above once failed with an asyncio `__del__` traceback at exit: the event
    loops Pulumi's mocks make (one per executor thread, and the main one) were left to the
    interpreter's last garbage collection, amid module teardown; kit/plan/offline.py now closes them
    at exit. An open loop at exit is a ResourceWarning, shown every time under
    -W always::ResourceWarning: none may be."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    command = [sys.executable, "-W", "always::ResourceWarning", "-m", "kit", "plan"]
    done = subprocess.run(
        [*command, "--stack", "local", "--out", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"plan failed: --out {folder}: the folder is not empty")


@pytest.mark.slow
@pytest.mark.live
def test_plan_out_replaces_its_own_previous_plan_and_refuses_a_file(tmp_path):
    out = tmp_path / "plan"
    assert run_plan("--stack", "local", "--out", str(out)).returncode == 0
    assert (out / ".o11y-kit-plan").is_file()
    (out / "stale.yaml").write_text("from an earlier run")
    assert run_plan("--stack", "local", "--out", str(out)).returncode == 0
    assert not (out / "stale.yaml").exists()  # the marked folder was replaced
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    done = run_plan("--stack", "local", "--out", str(a_file))
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"plan failed: --out {a_file}: not a folder; give a folder for the plan (e.g. plan/)"
    )
    assert a_file.read_text() == "mine"


@pytest.mark.live
def test_config_docs_update_on_a_missing_file_or_one_without_markers_is_one_line(tmp_path):
    no_markers = tmp_path / "README.md"
    from kit.config_docs import START

    no_markers.write_text(f"# mine\n{START}\nrest\n")
    for target in (tmp_path / "missing.md", no_markers):
        done = subprocess.run(
            [sys.executable, "-m", "kit", "config-docs", "--update", str(target)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.startswith("config-docs failed: ") and "Traceback" not in done.stderr
    assert no_markers.read_text().endswith("rest\n")  # no end marker: left as it was


def test_schema_validation_catches_unknown_fields_and_wrong_types():
    bad = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "spec": {"x": 1}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}, "data": {"k": 1}},
    ]
    found = manifests.validate(bad)
    low, high = manifests.supported_versions()
    assert {(i.object, i.version) for i in found} == {
        ("Namespace x", low),
        ("Namespace x", high),
        ("ConfigMap y", low),
        ("ConfigMap y", high),
    }


@pytest.mark.slow
@pytest.mark.live
def test_plan_never_writes_secret_values(tmp_path, plan_tools):
    out = tmp_path / "local"
    assert run_plan("--stack", "local", "--out", str(out)).returncode == 0
    (secret,) = (out / "manifests").glob("*secret-o11y-monitoring-grafana-admin.yaml")
    data = yaml.safe_load(secret.read_text())["stringData"]
    assert data == {"admin-user": manifests.REDACTED, "admin-password": manifests.REDACTED}
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "offline-monitoring" not in written  # the mocked password


@pytest.mark.slow
@pytest.mark.live
def test_plan_says_how_to_install_the_crd_checker_when_it_is_missing(
    tmp_path, monkeypatch, capsys, plan_tools
):
    from kit.__main__ import main
    from kit.plan.checks import crd_schemas

    monkeypatch.setattr(crd_schemas, "VALIDATOR_DIR", tmp_path / "missing")
    assert main(["plan", "--stack", "local", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "npm ci --prefix kit/crd-validate" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("variable", "says"),
    [
        ("KIT_CHART_CACHE", "not in the chart cache"),
        ("KIT_HELM", "run `make helm`"),
    ],
)
@pytest.mark.live
def test_a_missing_chart_or_helm_is_one_line_saying_how_to_get_it(variable, says, tmp_path):
    import os

    env = {**os.environ, variable: str(tmp_path / "nothing-here")}
    done = run_plan("--stack", "local", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert says in line
    if variable == "KIT_CHART_CACHE":
        for name, version in (("kube-prometheus-stack", "88.5.3"), ("loki", "18.11.0"),
                              ("tempo", "2.2.4")):  # fmt: skip
            assert f"helm pull {name} --repo https://" in line
            assert f"{name}-{version}.tgz" in line and f"--version {version}" in line


def _floats(value, path="$"):
    if isinstance(value, float):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _floats(item, f"{path}[{index}]")
