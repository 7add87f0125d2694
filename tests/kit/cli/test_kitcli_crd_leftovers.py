"""`python -m kit.cli.crd_leftovers` after `make destroy`, against a replayed Kubernetes API: one
line naming the monitoring.coreos.com CRDs still there and whether custom resources of their
kinds remain; only GET requests, whatever it finds."""

from __future__ import annotations

import subprocess
import sys

import pytest
from kubernetes.config import kube_config

from kit.cli import crd_leftovers
from tests.kit.cli.kitcli_cluster import listing
from tests.kit.cli.kitcli_fakes import (
    ROOT,
    ReplayServer,
    closed_port_kubeconfig,
    routes,
    write_kubeconfig,
)

GROUP = "monitoring.coreos.com"
# kube-prometheus-stack 88.5.3's crds/ (its `crds` subchart): plural -> (kind, stored version)
CHART_CRDS = {
    "alertmanagerconfigs": ("AlertmanagerConfig", "v1alpha1"),
    "alertmanagers": ("Alertmanager", "v1"),
    "podmonitors": ("PodMonitor", "v1"),
    "probes": ("Probe", "v1"),
    "prometheusagents": ("PrometheusAgent", "v1alpha1"),
    "prometheuses": ("Prometheus", "v1"),
    "prometheusrules": ("PrometheusRule", "v1"),
    "scrapeconfigs": ("ScrapeConfig", "v1alpha1"),
    "servicemonitors": ("ServiceMonitor", "v1"),
    "thanosrulers": ("ThanosRuler", "v1"),
}
VERSION = {
    "major": "1", "minor": "36", "gitVersion": "v1.36.0", "gitCommit": "0", "gitTreeState": "clean",
    "buildDate": "2026-04-22T00:00:00Z", "goVersion": "go1.26.2", "compiler": "gc",
    "platform": "linux/amd64",
}  # fmt: skip


def crd(plural: str, group: str, kind: str, version: str) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"plural": plural, "kind": kind},
            "scope": "Namespaced",
            "versions": [{"name": version, "served": True, "storage": True}],
        },
    }


def custom(kind: str, namespace: str, name: str) -> dict:
    return {"kind": kind, "metadata": {"name": name, "namespace": namespace}}


def cluster(resources: dict[str, list[dict]] | None = None, crds=CHART_CRDS) -> dict:
    """The API after destroy: the chart's CRDs (and another group's), no kit namespace left;
    `resources` are custom resources by plural."""
    definitions = [crd(p, GROUP, kind, version) for p, (kind, version) in crds.items()]
    definitions.append(crd("certificates", "cert-manager.io", "Certificate", "v1"))
    table = {
        "/version/": VERSION,  # the client asks with the slash
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions": listing(
            "CustomResourceDefinition", definitions
        ),
    }
    for plural, (kind, version) in crds.items():
        items = (resources or {}).get(plural, [])
        table[f"/apis/{GROUP}/{version}/{plural}"] = listing(kind, items)
    return table


def run(tmp_path, table: dict, capsys, *argv: str) -> tuple[str, str, ReplayServer]:
    with ReplayServer(routes(table)) as api:
        kubeconfig = write_kubeconfig(tmp_path, api.url)
        assert crd_leftovers.main([*argv, "--kubeconfig", str(kubeconfig)]) == 0
    out, err = capsys.readouterr()
    assert {r.method for r in api.requests} == {"GET"}  # it never deletes or changes anything
    return out, err, api


@pytest.mark.live
def test_unused_crds_are_named_with_the_command_that_removes_them(tmp_path, capsys):
    out, err, _ = run(tmp_path, cluster(), capsys)
    (line,) = out.splitlines()
    assert err == ""
    assert line.startswith(
        "crd-leftovers: 10 monitoring.coreos.com CRDs stay in context test (alertmanagerconfigs, "
        "alertmanagers, podmonitors, probes, prometheusagents, prometheuses, prometheusrules, "
        "scrapeconfigs, servicemonitors, thanosrulers), with no custom resources of their kinds "
        "left: if nothing of yours will use them, `kubectl --kubeconfig "
    )
    names = " ".join(f"{plural}.{GROUP}" for plural in CHART_CRDS)
    assert line.endswith(f" delete crd {names}` removes them")
    assert "cert-manager" not in line


@pytest.mark.live
def test_crds_another_installation_uses_are_to_be_kept(tmp_path, capsys):
    resources = {
        "servicemonitors": [custom("ServiceMonitor", "team-a", "api"),
                            custom("ServiceMonitor", "team-a", "web")],
        "prometheuses": [custom("Prometheus", "ops", "main")],
        "prometheusrules": [custom("PrometheusRule", "team-a", "slo")],
    }  # fmt: skip
    out, _, api = run(tmp_path, cluster(resources), capsys)
    (line,) = out.splitlines()
    assert (
        "; 4 custom resources of their kinds remain (Prometheus ops/main, PrometheusRule "
        "team-a/slo, ServiceMonitor team-a/api, 1 more), by namespace: ops 1, team-a 3: "
        "something else uses them, so keep them (deleting a CRD deletes every resource of its "
        "kind)"
    ) in line
    assert "delete crd" not in line
    # every kind asked cluster-wide, at the version the API server stores
    asked = {r.path for r in api.requests}
    assert f"/apis/{GROUP}/v1alpha1/scrapeconfigs" in asked
    assert f"/apis/{GROUP}/v1/servicemonitors" in asked


@pytest.mark.live
def test_resources_left_only_in_the_kits_namespaces_are_still_being_deleted(tmp_path, capsys):
    resources = {"podmonitors": [custom("PodMonitor", "o11y-agent", "otel-node-agent")]}
    out, _, _ = run(tmp_path, cluster(resources), capsys)
    assert "all in the kit's namespaces, still being deleted: run it again soon" in out


@pytest.mark.live
def test_a_kind_it_may_not_list_makes_the_answer_unknown(tmp_path, capsys):
    table = cluster()
    del table[f"/apis/{GROUP}/v1/probes"]  # 404, as for a kind the API no longer serves
    out, _, _ = run(tmp_path, table, capsys)
    assert "whether anything uses them is unknown: could not list probes (HTTP 404" in out
    assert "delete crd" not in out


@pytest.mark.live
def test_no_crds_of_the_group(tmp_path, capsys):
    out, _, _ = run(tmp_path, cluster(crds={}), capsys)
    assert out == "crd-leftovers: no monitoring.coreos.com CRDs in context test\n"


@pytest.mark.live
def test_local_stack_uses_its_cluster_though_the_kit_is_gone(tmp_path, capsys, monkeypatch):
    """`make destroy STACK=local` then this: the kit's namespace is gone, which every other
    command refuses; here only the API server must answer (stacks/Pulumi.local.yaml sets no
    kubeconfig, so the default kubeconfig's current context)."""
    with ReplayServer(routes(cluster())) as api:
        # What $KUBECONFIG or ~/.kube/config gives (the client reads $KUBECONFIG at import).
        default = str(write_kubeconfig(tmp_path, api.url))
        monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", default)
        assert crd_leftovers.main(["--stack", "local"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("crd-leftovers: 10 monitoring.coreos.com CRDs stay in context test (")
    assert "`kubectl delete crd alertmanagerconfigs." in out
    assert "/api/v1/namespaces/o11y-monitoring" not in {r.path for r in api.requests}


@pytest.mark.live
def test_an_unreachable_cluster_is_one_line_on_stderr_and_exit_0(tmp_path, capsys):
    kubeconfig = closed_port_kubeconfig(tmp_path)
    assert crd_leftovers.main(["--kubeconfig", str(kubeconfig)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("crd-leftovers: nothing checked: cannot reach the Kubernetes API at ")
    assert err.count("\n") == 1 and "connection refused" in err


@pytest.mark.parametrize("stack", ["aks", "eks"])
@pytest.mark.live
def test_a_stack_that_deleted_its_cluster_has_nothing_to_check(stack):
    """What `make destroy` runs, as a process: no kubeconfig, no Pulumi CLI, one line, exit 0."""
    done = subprocess.run(
        [sys.executable, "-m", "kit.cli.crd_leftovers", "--stack", stack],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "KUBECONFIG": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == (
        f"crd-leftovers: stack {stack} deletes its own cluster on destroy, CRDs included: "
        "nothing to check (--context asks another cluster)\n"
    )


def test_without_a_stack_or_a_cluster_it_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        crd_leftovers.main([])
    assert stop.value.code == 2
    assert "give --stack (or --context / --kubeconfig)" in capsys.readouterr().err
