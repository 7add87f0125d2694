"""The CLI's argument handling, its one-line failures (exit 2), and status / break / heal /
traffic / open's relay against a replayed Kubernetes API and local HTTP servers."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import urllib.request

import pytest
from werkzeug import Request, Response

from kit.__main__ import build_parser, main
from kit.cli import breaks, workloads
from kit.cli.kube import connect
from kit.cli.portforward import LocalForward, service_pod_port
from tests.kit.cli.kitcli_breaks import NAMESPACE_UID, install, namespace_resource
from tests.kit.cli.kitcli_cluster import (
    NS,
    deployment,
    kind_nodes,
    listing,
    namespace,
    node,
    pod,
    pod_routes,
    workload,
    workload_routes,
)
from tests.kit.cli.kitcli_fakes import (
    ROOT,
    ReplayServer,
    closed_port,
    closed_port_kubeconfig,
    routes,
    write_kubeconfig,
)

KIND = "kind://docker/kit/"
CLUSTER_COMMANDS = [
    ["status"],
    ["open", "grafana"],
    ["traffic", "--rps", "1", "--duration", "1"],
    ["break", "pod"],
    ["heal"],
    ["verify"],
]


@pytest.mark.parametrize(
    "argv",
    [
        ["break", "everything"],
        ["open", "kibana"],
        ["traffic", "--rps", "0"],
        ["traffic", "--duration", "soon"],
        ["break", "errors", "--ratio", "1.5"],
        ["break", "slow", "--latency-ms", "-3"],
        ["status", "--bogus"],
        ["status", "--stack", "prod"],  # only the stacks in stacks/
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "usage: python -m kit" in capsys.readouterr().err


@pytest.mark.parametrize("argv", CLUSTER_COMMANDS, ids=lambda a: a[0])
@pytest.mark.live
def test_no_cluster_is_one_line_and_exit_2(argv, tmp_path, capsys):
    kubeconfig = closed_port_kubeconfig(tmp_path)
    assert main([*argv, "--kubeconfig", str(kubeconfig)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith("kit: cannot reach the Kubernetes API at http://127.0.0.1:")
    assert "connection refused" in err


@pytest.mark.live
def test_no_cluster_as_a_process_prints_no_traceback(tmp_path):
    kubeconfig = closed_port_kubeconfig(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "kit", "status", "--kubeconfig", str(kubeconfig)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.live
def test_unknown_context_is_a_usage_error(tmp_path, capsys):
    kubeconfig = closed_port_kubeconfig(tmp_path)
    assert main(["status", "--kubeconfig", str(kubeconfig), "--context", "prod"]) == 2
    assert capsys.readouterr().err.startswith("kit: no usable kubeconfig: ")


@pytest.mark.live
def test_cluster_without_the_kit_says_so(tmp_path, capsys):
    with ReplayServer(routes({})) as api:
        kubeconfig = write_kubeconfig(tmp_path, api.url)
        assert main(["verify", "--kubeconfig", str(kubeconfig)]) == 2
    err = capsys.readouterr().err
    assert "the kit is not deployed in context test (no namespace o11y-monitoring)" in err


def local_workloads(*missing: str, **ready: int) -> list[dict]:
    """Every workload the local stack runs, all pods ready, except those named in `missing`
    (left out) and in `ready` (name=ready pods, of one)."""
    return [
        workload(w.kind, w.namespace, w.name, ready=ready.get(w.name, 1))
        for w in workloads.expected(workloads.StackShape("local"))
        if w.name not in missing
    ]


def healthy_cluster(**overrides) -> dict:
    nodes = [node("kit-worker", KIND + "kit-worker"), node("kit-worker2", KIND + "kit-worker2")]
    pods = {
        NS["monitoring"]: [
            pod("prometheus-kps-prometheus-0", NS["monitoring"], "kit-worker", "prometheus"),
            pod("kps-grafana-5d9c7b-x2x9q", NS["monitoring"], "kit-worker2", "grafana"),
        ],
        NS["node"]: [
            pod("otel-node-agent-a", NS["node"], "kit-worker", "otel-node-agent"),
            pod("otel-node-agent-b", NS["node"], "kit-worker2", "otel-node-agent"),
        ],
        NS["agent"]: [pod("otel-cluster-agent-1", NS["agent"], "kit-worker", "otel-cluster-agent")],
        NS["app"]: [pod("sample-front-1", NS["app"], "kit-worker2", "sample-front")],
    }
    table = {
        f"/api/v1/namespaces/{NS['monitoring']}": monitoring_namespace(),
        "/api/v1/nodes": listing("Node", overrides.pop("nodes", nodes)),
        **pod_routes({**pods, **overrides.pop("pods", {})}),
        **workload_routes(overrides.pop("workloads", local_workloads())),
    }
    table.update(overrides.pop("extra", {}))
    return table


def monitoring_namespace() -> dict:
    """o11y-monitoring with the uid the local stack's state records (kitcli_breaks)."""
    made = namespace(NS["monitoring"])
    made["metadata"]["uid"] = NAMESPACE_UID
    return made


@pytest.fixture
def local_stack(tmp_path, monkeypatch):
    """The local stack's outputs and state, for break and heal to prove the cluster its own."""
    stack = install(tmp_path, monkeypatch)
    stack.say({"cloud": "local", "cluster": "kind-kit"}, [namespace_resource()])
    return stack


def run_cli(tmp_path, table: dict, *argv: str) -> tuple[int, ReplayServer]:
    with ReplayServer(routes(table)) as api:
        kubeconfig = write_kubeconfig(tmp_path, api.url)
        return main([*argv, "--kubeconfig", str(kubeconfig)]), api


@pytest.mark.live
def test_status_healthy(tmp_path, capsys):
    code, _ = run_cli(tmp_path, healthy_cluster(), "status")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "o11y-node        otel-node-agent     kit-worker2  1/1" in out
    assert "All kit workloads present and their pods ready" in out


OPERATOR_HINT = (
    "missing; prometheus-operator has not created it: check its logs "
    "(kubectl -n o11y-monitoring logs deploy/kps-operator)"
)


@pytest.mark.live
def test_status_names_the_statefulsets_the_operator_never_made(tmp_path, capsys):
    """The operator never ran: no Prometheus or Alertmanager pod exists, so no pod was unready;
    status used to say all was well."""
    made = local_workloads("prometheus-kps-prometheus", "alertmanager-kps-alertmanager")
    pods = {NS["monitoring"]: [pod("kps-grafana-5d9c7b-x2x9q", NS["monitoring"], "kit-worker2",
                                   "grafana")]}  # fmt: skip
    code, _ = run_cli(tmp_path, healthy_cluster(workloads=made, pods=pods), "status")
    out = capsys.readouterr().out
    assert code == 1, out
    problems = [line for line in out.splitlines() if line.startswith("  - ")]
    assert problems == [
        f"  - StatefulSet o11y-monitoring/prometheus-kps-prometheus: {OPERATOR_HINT}",
        f"  - StatefulSet o11y-monitoring/alertmanager-kps-alertmanager: {OPERATOR_HINT}",
    ]
    assert "All kit" not in out


@pytest.mark.live
def test_status_names_missing_and_unready_workloads_with_who_makes_them(tmp_path, capsys):
    made = local_workloads("kps-operator", "otel-cluster-agent", "loki", **{"kps-grafana": 0})
    code, _ = run_cli(tmp_path, healthy_cluster(workloads=made), "status")
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "Deployment o11y-monitoring/kps-operator: missing; the Helm release kps has not created "
        "it: read make up's output for the release and kubectl -n o11y-monitoring get events"
    ) in out
    assert "StatefulSet o11y-monitoring/loki: missing; the Helm release loki has not" in out
    assert "Deployment o11y-agent/otel-cluster-agent: missing; make up has not created it" in out
    assert "Deployment o11y-monitoring/kps-grafana: 0 of 1 pods ready" in out


@pytest.mark.live
def test_status_without_the_node_agent_says_so_once(tmp_path, capsys):
    code, _ = run_cli(tmp_path, healthy_cluster(workloads=local_workloads("otel-node-agent")),
                      "status")  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "DaemonSet o11y-node/otel-node-agent: missing; make up has not created it" in out
    assert "has no ready otel-node-agent pod" not in out


@pytest.mark.live
def test_status_names_every_gap(tmp_path, capsys):
    fargate = {"eks.amazonaws.com/compute-type": "fargate"}
    nodes = [
        node("kit-worker", KIND + "kit-worker"),
        node("kit-worker2", KIND + "kit-worker2"),
        node("kit-worker3", KIND + "kit-worker3"),  # no agent pod
        node("fargate-ip-10-0-3-7", "aws:///us-east-1a/fargate-ip", labels=fargate),  # exempt
    ]
    app_pods = [
        pod("sample-back-1", NS["app"], "fargate-ip-10-0-3-7", "sample-back",
            containers=("app",), labels={"o11y-kit/compute": "fargate"}),
        pod("phoenix", NS["app"], "kit-worker", "phoenix", ready=False,
            containers=("phoenix",), waiting="CrashLoopBackOff"),
    ]  # fmt: skip
    code, _ = run_cli(tmp_path, healthy_cluster(nodes=nodes, pods={NS["app"]: app_pods}), "status")
    out = capsys.readouterr().out
    assert code == 1
    assert "node kit-worker3 has no ready otel-node-agent pod" in out
    assert "fargate-ip-10-0-3-7 has no ready" not in out
    assert "Fargate pod sample-back-1 has no collector sidecar" in out
    assert "o11y-app/phoenix on kit-worker is not ready (phoenix: CrashLoopBackOff)" in out


@pytest.mark.live
def test_break_pod_creates_a_restricted_crash_looping_pod(tmp_path, capsys, local_stack):
    created = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "phoenix"}}
    table = healthy_cluster(extra={("POST", f"/api/v1/namespaces/{NS['app']}/pods"): created})
    code, api = run_cli(tmp_path, table, "break", "pod", "--stack", "local")
    assert code == 0
    body = next(r.body for r in api.requests if r.method == "POST")
    spec = body["spec"]
    assert body["metadata"]["name"] == "phoenix" and spec["restartPolicy"] == "Always"
    # What the restricted Pod Security level checks (pod and container level).
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert "sys.exit(1)" in container["command"][-1]
    assert "CrashLoopBackOff" in capsys.readouterr().out


@pytest.mark.live
def test_break_errors_sets_the_knob_by_strategic_merge(tmp_path, local_stack):
    path = f"/apis/apps/v1/namespaces/{NS['app']}/deployments/sample-back"
    back = deployment("sample-back", NS["app"])
    table = healthy_cluster(extra={path: back, ("PATCH", path): back})
    code, api = run_cli(tmp_path, table, "break", "errors", "--ratio", "0.25", "--stack", "local")
    assert code == 0
    patch = next(r for r in api.requests if r.method == "PATCH")
    assert patch.headers["content-type"] == "application/strategic-merge-patch+json"
    container = patch.body["spec"]["template"]["spec"]["containers"][0]
    assert container == {"name": "app", "env": [{"name": "FAULT_ERROR_RATIO", "value": "0.25"}]}
    (run,) = breaks.runs("local")
    marks = patch.body["metadata"]["annotations"]
    assert marks == {"o11y-kit/break-run.FAULT_ERROR_RATIO": run["run"]}


@pytest.mark.live
def test_heal_removes_knobs_and_phoenix(tmp_path, capsys, local_stack):
    path = f"/apis/apps/v1/namespaces/{NS['app']}/deployments/sample-back"
    env = [{"name": "TIER", "value": "back"}, {"name": "FAULT_EXTRA_LATENCY_MS", "value": "400"}]
    back = deployment("sample-back", NS["app"], env=env)
    back["metadata"]["annotations"] = {"o11y-kit/break-run.FAULT_EXTRA_LATENCY_MS": "r1"}
    phoenix_path = f"/api/v1/namespaces/{NS['app']}/pods/phoenix"
    phoenix = pod("phoenix", NS["app"], "kit-worker", "phoenix", ready=False)
    phoenix["metadata"].update(uid="p-1", annotations={"o11y-kit/break-run": "r1"})
    deleted = {"kind": "Status", "apiVersion": "v1", "status": "Success", "metadata": {}}
    breaks.add("local", "r1", [
        {"kind": "knob", "deployment": "sample-back", "name": "FAULT_EXTRA_LATENCY_MS",
         "before": None},
        {"kind": "pod", "namespace": NS["app"], "name": "phoenix"},
    ])  # fmt: skip
    table = healthy_cluster(
        extra={
            path: back,
            ("PATCH", path): back,
            phoenix_path: phoenix,
            ("DELETE", phoenix_path): deleted,
        }
    )
    code, api = run_cli(tmp_path, table, "heal", "--stack", "local")
    assert code == 0
    delete = next(r for r in api.requests if r.method == "DELETE")
    assert delete.body["preconditions"] == {"uid": "p-1"}
    patch = next(r for r in api.requests if r.method == "PATCH")
    assert patch.headers["content-type"] == "application/json-patch+json"
    test_op, replace_op, remove_op = patch.body
    assert test_op["op"] == "test" and test_op["value"] == env
    assert replace_op == {
        "op": "replace",
        "path": "/spec/template/spec/containers/0/env",
        "value": [{"name": "TIER", "value": "back"}],
    }
    assert remove_op == {
        "op": "remove",
        "path": "/metadata/annotations/o11y-kit~1break-run.FAULT_EXTRA_LATENCY_MS",
    }
    out = capsys.readouterr().out
    assert "deleted pod o11y-app/phoenix" in out and "removed FAULT_EXTRA_LATENCY_MS" in out
    assert breaks.runs("local") == []


@pytest.mark.live
def test_break_node_on_kind_needs_yes(tmp_path, capsys, local_stack):
    table = healthy_cluster(nodes=kind_nodes())
    code, api = run_cli(tmp_path, table, "break", "node", "--stack", "local")
    out = capsys.readouterr().out
    assert code == 0
    # kit-worker runs Prometheus, so the demo stops the other worker, and only with --yes.
    assert "docker stop kit-worker2" in out and "Not done" in out
    assert all(r.method == "GET" for r in api.requests)
    assert local_stack.calls("docker") == [] and breaks.runs("local") == []


def every_fourth_fails(httpserver) -> str:
    """A front end whose every fourth request fails, like a back end with FAULT_ERROR_RATIO=0.25."""
    answered = itertools.count(1)

    def answer(request: Request) -> Response:
        return Response("{}", status=502 if next(answered) % 4 == 0 else 200)

    httpserver.expect_request("/").respond_with_handler(answer)
    return httpserver.url_for("/")


@pytest.mark.live
def test_traffic_reports_percentiles_and_errors(httpserver, capsys):
    url = every_fourth_fails(httpserver)
    assert main(["traffic", "--url", url, "--rps", "40", "--duration", "0.5s"]) == 0
    captured = capsys.readouterr()
    assert "20 requests, 5 errors (200: 15, 502: 5; no answer: 0)" in captured.out
    assert "p50" in captured.out and "p95" in captured.out and "p99" in captured.out
    assert "[" in captured.err and "sent 20" in captured.err  # the progress bar


@pytest.mark.live
def test_traffic_to_nothing_is_an_environment_error(capsys):
    argv = [
        "traffic",
        "--url",
        f"http://127.0.0.1:{closed_port()}/",
        "--rps",
        "20",
        "--duration",
        "0.2",
    ]
    assert main(argv) == 2
    assert "kit: the front end never answered" in capsys.readouterr().err


@pytest.mark.live
def test_local_forward_relays_http_through_the_opener(httpserver):
    every_fourth_fails(httpserver)
    opened = []

    def open_remote():
        opened.append(1)
        return socket.create_connection((httpserver.host, httpserver.port))

    forward = LocalForward(open_remote)
    try:
        for _ in range(2):
            with urllib.request.urlopen(forward.url + "/", timeout=5) as answer:
                assert answer.read() == b"{}"
    finally:
        forward.close()
    assert len(opened) == 2  # one stream per connection, as port-forward needs


@pytest.mark.live
def test_forward_target_is_a_ready_pod_and_the_named_container_port(tmp_path):
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kps-grafana", "namespace": NS["monitoring"]},
        "spec": {
            "selector": {"app.kubernetes.io/name": "grafana"},
            "ports": [{"name": "http-web", "port": 80, "targetPort": "grafana"}],
        },
    }
    starting = pod("kps-grafana-a", NS["monitoring"], "kit-worker", "grafana", ready=False)
    ready = pod("kps-grafana-b", NS["monitoring"], "kit-worker2", "grafana")
    ready["spec"]["containers"][0]["ports"] = [{"name": "grafana", "containerPort": 3000}]
    table = healthy_cluster(
        pods={NS["monitoring"]: [starting, ready]},
        extra={f"/api/v1/namespaces/{NS['monitoring']}/services/kps-grafana": service},
    )
    with ReplayServer(routes(table)) as api:
        kubeconfig = write_kubeconfig(tmp_path, api.url)
        args = build_parser().parse_args(["status", "--kubeconfig", str(kubeconfig)])
        target = service_pod_port(connect(args), NS["monitoring"], "kps-grafana", 80)
        selector = next(r.query for r in api.requests if r.path.endswith("/pods"))
    assert (target.pod, target.port) == ("kps-grafana-b", 3000)
    assert selector["labelSelector"] == "app.kubernetes.io/name=grafana"


def _with_image(obj: dict, image: str) -> dict:
    obj["spec"]["template"]["spec"]["containers"] = [{"name": "main", "image": image}]
    return obj


def _service_monitor(namespace: str, name: str, paths: list[str], labels: dict) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": labels},
            "endpoints": [{"port": "https-metrics", "path": p} for p in paths],
        },
    }


@pytest.mark.live
def test_status_names_what_the_cluster_already_runs_that_the_kit_duplicates(tmp_path, capsys):
    """Another node-exporter, kube-state-metrics, prometheus-operator and kubelet
    ServiceMonitor outside the kit's namespaces are named with advice; the kit's own and a
    ServiceMonitor of something else are not, and status still passes."""
    theirs = [
        _with_image(workload("DaemonSet", "monitoring", "node-exporter"),
                    "quay.io/prometheus/node-exporter:v1.8.2"),
        _with_image(workload("Deployment", "kube-system", "kube-state-metrics"),
                    "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0@sha256:ab"),
        _with_image(workload("Deployment", "monitoring", "prometheus-operator"),
                    "quay.io/prometheus-operator/prometheus-operator:v0.75.0"),
        _with_image(workload("Deployment", "monitoring", "config-reloader"),
                    "quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0"),
        _with_image(workload("DaemonSet", NS["node"], "kps-prometheus-node-exporter"),
                    "quay.io/prometheus/node-exporter:v1.12.1"),
    ]  # fmt: skip
    monitors = [
        _service_monitor("monitoring", "kubelet", ["/metrics", "/metrics/cadvisor"], {}),
        _service_monitor("monitoring", "kubelet-by-label", ["/metrics"], {"k8s-app": "kubelet"}),
        _service_monitor("monitoring", "my-app", ["/metrics"], {"app": "mine"}),
        _service_monitor(NS["monitoring"], "kps-kubelet", ["/metrics/cadvisor"], {}),
    ]
    extra = {
        "/apis/apps/v1/daemonsets": listing(
            "DaemonSet", [o for o in theirs if o["kind"] == "DaemonSet"]
        ),
        "/apis/apps/v1/deployments": listing(
            "Deployment", [o for o in theirs if o["kind"] == "Deployment"]
        ),
        "/apis/monitoring.coreos.com/v1/servicemonitors": listing("ServiceMonitor", monitors),
    }
    code, _ = run_cli(tmp_path, healthy_cluster(extra=extra), "status")
    out = capsys.readouterr().out
    assert code == 0, out
    found = out.split("outside the kit's namespaces (one source each is enough):\n")[1]
    named = [line.split(":", 1)[0] for line in found.splitlines()]
    assert named == [
        "  - DaemonSet monitoring/node-exporter (node-exporter)",
        "  - Deployment kube-system/kube-state-metrics (kube-state-metrics)",
        "  - Deployment monitoring/prometheus-operator (a prometheus-operator)",
        "  - ServiceMonitor monitoring/kubelet",
        "  - ServiceMonitor monitoring/kubelet-by-label",
    ]
    assert "port 9100" in found and "scraped twice" in found and "--namespaces" in found

    code, _ = run_cli(tmp_path, healthy_cluster(), "status")  # no such listings, no CRD: 404
    out = capsys.readouterr().out
    assert code == 0 and "Already in the cluster" not in out, out
