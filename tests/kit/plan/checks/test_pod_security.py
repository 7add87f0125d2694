"""Pod Security: the plan's wrapper around the official evaluator (kit/psa) gives upstream's own
verdicts, and a pod its namespace would reject fails the plan, naming pod, level and check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from components import namespaces, versions
from kit.plan.checks import pod_security
from tests.helpers import ROOT, require_plan_tools, require_tool

VERSION = f"v{versions.K8S_OLDEST}"  # what the kit's namespaces pin as enforce-version


@pytest.fixture
def evaluator():
    require_tool(pod_security.EVALUATOR, "the Pod Security evaluator", "install Go, `make psa`")


def upstream_fixtures() -> Path:
    """k8s.io/pod-security-admission's own pass/fail pods, at the module version kit/psa pins."""
    require_tool("go", "Go", "install Go >= 1.26 (https://go.dev/doc/install)")
    done = subprocess.run(
        ["go", "list", "-m", "-json", "k8s.io/pod-security-admission"],
        cwd=ROOT / "kit" / "psa",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return Path(json.loads(done.stdout)["Dir"]) / "test" / "testdata"


@pytest.mark.parametrize("level", ["baseline", "restricted"])
@pytest.mark.live
def test_the_evaluator_gives_upstreams_verdict_on_each_of_its_fixtures(level, evaluator):
    cases = []
    for expected in ("pass", "fail"):
        for path in sorted((upstream_fixtures() / level / VERSION / expected).glob("*.yaml")):
            pod = yaml.safe_load(path.read_text())
            cases.append((expected, path.name, pod))
    pods = [{"name": name, "level": level, "version": VERSION, **pod} for _, name, pod in cases]
    verdicts = pod_security.evaluate(pods)
    wrong = [
        name
        for (expected, name, _), verdict in zip(cases, verdicts, strict=True)
        if verdict["allowed"] != (expected == "pass")
        or (expected == "fail") != bool(verdict["violations"])
    ]
    assert len(cases) > 30 and wrong == []


def _namespace(name: str, level: str) -> dict:
    labels = {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": VERSION,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": VERSION,
    }
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _daemonset(namespace: str) -> dict:
    """A node agent as it must not run outside a privileged namespace."""
    container = {"name": "agent", "image": "agent:1", "volumeMounts": [{"name": "logs",
                 "mountPath": "/var/log"}]}  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "node-agent", "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": {"app": "a"}},
            "template": {
                "metadata": {"labels": {"app": "a"}},
                "spec": {
                    "hostNetwork": True,
                    "containers": [container],
                    "volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}],
                },
            },
        },
    }


@pytest.mark.live
def test_a_host_access_pod_in_a_baseline_namespace_is_rejected_by_name_level_and_check(evaluator):
    findings, checked = pod_security.check([_namespace("apps", "baseline"), _daemonset("apps")])
    assert checked == 1
    rejected = {(f.pod, f.level, f.check) for f in findings if f.mode == "enforce"}
    assert rejected == {
        ("DaemonSet apps/node-agent", "baseline", "hostNamespaces"),
        ("DaemonSet apps/node-agent", "baseline", "hostPathVolumes"),
    }
    warned = {f.check for f in findings if f.mode == "warn"}
    assert {"runAsNonRoot", "seccompProfile_restricted", "capabilities_restricted"} <= warned


@pytest.mark.live
def test_the_same_pod_in_a_privileged_namespace_is_admitted(evaluator):
    objects = [_namespace("node", "privileged"), _daemonset("node")]
    findings, _ = pod_security.check(objects)
    assert [f for f in findings if f.mode == "enforce"] == []


def test_a_pod_in_a_namespace_the_plan_does_not_create_is_a_finding():
    (finding,) = pod_security.check([_daemonset("elsewhere")])[0]
    assert (finding.pod, finding.check) == ("DaemonSet elsewhere/node-agent", "namespace")


@pytest.mark.slow
@pytest.mark.live
def test_the_plan_fails_when_a_namespace_enforces_more_than_its_pods_meet(
    tmp_path, monkeypatch, capsys
):
    """The node namespace read as `baseline`: its node-exporter (host network and PID) is
    rejected, by name, level and check, and the plan exits 1."""
    from kit.__main__ import main

    require_plan_tools()
    levels = pod_security.namespace_levels

    def node_at_baseline(objects):
        found = levels(objects)
        found[namespaces.NODE.name] = pod_security.Levels("baseline", VERSION, "baseline", VERSION)
        return found

    monkeypatch.setattr(pod_security, "namespace_levels", node_at_baseline)
    assert main(["plan", "--stack", "local", "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "REJECTED DaemonSet o11y-node/kps-prometheus-node-exporter: enforce=baseline" in out
    assert "check hostNamespaces: hostNetwork=true, hostPID=true" in out


@pytest.mark.slow
@pytest.mark.live
def test_without_the_evaluator_the_plan_says_how_to_build_it_in_one_line(
    tmp_path, monkeypatch, capsys
):
    from kit.__main__ import main

    require_plan_tools()
    monkeypatch.setattr(pod_security, "EVALUATOR", tmp_path / "missing" / "psa-eval")
    assert main(["plan", "--stack", "local", "--out", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "Pod Security evaluator is not built" in line and "make psa" in line
