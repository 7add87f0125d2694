"""`kit verify` against a real Prometheus (fed through its remote-write receiver, loaded with
the kit's rule groups) and Tempo/Loki answers replayed from fixtures in their documented shapes."""

from __future__ import annotations

import re
import time

import pytest

from components import alert_rules
from components.namespaces import APP
from kit.__main__ import main
from kit.cli import verify, workloads
from kit.cli.checks import FAIL, INFO, PASS, UNREACHABLE, exit_code, render
from kit.cli.verify import BackendUrls, ClusterFacts
from tests.kit.cli.kitcli_cluster import listing, namespace, node, workload, workload_routes
from tests.kit.cli.kitcli_fakes import (
    ReplayServer,
    closed_port,
    fixture,
    not_found,
    prometheus,
    remote_write,
    routes,
    write_kubeconfig,
)

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("test_kitcli_verify")]

COMPLETE = "2f3e0cee77ae5dc9c17ade3689eb2e54"
PARTIAL = "0b7a9c1d2e3f40516273849506172839"
VM_NODES = ["kit-worker", "kit-worker2"]
FARGATE_NODE = "fargate-ip-10-0-3-7.ec2.internal"


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    """Prometheus with the kit's groups for a cluster without the agent, and series as the
    kubelet's cAdvisor and kube-state-metrics give them: node 1 reports CPU, node 2 only memory
    (either counts)."""
    groups = alert_rules.rule_groups(APP.name, None)
    with prometheus(tmp_path_factory.mktemp("prometheus"), groups) as url:
        now_ms = int(time.time() * 1000)
        remote_write(
            url,
            [
                (
                    {"__name__": "container_cpu_usage_seconds_total", "node": VM_NODES[0]},
                    0.21,
                    now_ms,
                ),
                (
                    {"__name__": "container_memory_working_set_bytes", "node": VM_NODES[1]},
                    1.9e9,
                    now_ms,
                ),
                *(
                    (
                        {
                            "__name__": "kube_node_status_condition",
                            "condition": "Ready",
                            "status": "true",
                            "node": n,
                        },
                        1,
                        now_ms,
                    )
                    for n in [*VM_NODES, FARGATE_NODE]
                ),
            ],
        )
        yield url


def tempo_responder(traces: dict[str, str]):
    def respond(request):
        if request.path == "/api/search":
            return 200, fixture("tempo_search.json")
        trace_id = request.path.rsplit("/", 1)[-1]
        if request.path.startswith("/api/v2/traces/") and trace_id in traces:
            return 200, fixture(traces[trace_id])
        return not_found(request.path)

    return respond


def loki_responder(with_trace: set[str], without_trace: set[str] = frozenset()):
    """Tiers in `with_trace` have lines carrying trace_id; those in `without_trace` only
    lines without it; the rest nothing."""

    def respond(request):
        query = request.query["query"]
        for tier in ("front", "middle", "back"):
            if f'service_name="sample-{tier}"' in query:
                wants_trace = 'trace_id != ""' in query
                if tier in with_trace or (tier in without_trace and not wants_trace):
                    return 200, fixture(f"loki_{tier}.json")
        return 200, fixture("loki_empty.json")

    return respond


def facts(**changes) -> ClusterFacts:
    base = dict(
        cloud="local",
        nodes=sorted([*VM_NODES, FARGATE_NODE]),
        vm_nodes=VM_NODES,
        agent_deployed=False,
    )
    return ClusterFacts(**{**base, **changes})


def test_all_signals_present_pass(prom):
    both = {PARTIAL: "tempo_trace_partial.json", COMPLETE: "tempo_trace_complete.json"}
    with (
        ReplayServer(tempo_responder(both)) as tempo,
        ReplayServer(loki_responder({"front", "middle", "back"})) as loki,
    ):
        checks = verify.run_checks(facts(), BackendUrls(prom, tempo.url, loki.url), time.time())
        tempo_paths = [r.path for r in tempo.requests]
        search_query = tempo.requests[0].query["q"]
    assert [c.status for c in checks] == [PASS] * 7, render(checks)
    assert exit_code(checks) == 0
    # The partial trace is opened first and skipped; the complete one passes.
    assert tempo_paths == ["/api/search", f"/api/v2/traces/{PARTIAL}", f"/api/v2/traces/{COMPLETE}"]
    assert 'resource.service.name="sample-front"' in search_query
    assert COMPLETE in checks[3].detail


def test_missing_node_metrics_rule_groups_trace_and_logs_fail(prom):
    only_partial = {PARTIAL: "tempo_trace_partial.json"}
    with (
        ReplayServer(tempo_responder(only_partial)) as tempo,
        ReplayServer(loki_responder({"front"}, without_trace={"middle"})) as loki,
    ):
        checks = verify.run_checks(
            facts(
                vm_nodes=[*VM_NODES, "kit-worker3"],
                nodes=[*VM_NODES, "kit-worker3"],
                agent_deployed=True,
            ),
            BackendUrls(prom, tempo.url, loki.url),
            time.time(),
        )
    by_name = {c.name: c for c in checks}
    table = render(checks)
    assert exit_code(checks) == 1, table
    kubelet = by_name["prometheus: container metrics per VM node (cAdvisor)"]
    assert kubelet.status == FAIL and "kit-worker3" in kubelet.detail, table
    conditions = by_name["prometheus: node Ready conditions (kube-state-metrics)"]
    assert conditions.status == FAIL and "kit-worker3" in conditions.detail
    rules = by_name["prometheus: the kit's alert rules loaded"]
    assert rules.status == FAIL and "o11y-kit.agent" in rules.detail  # agent's groups expected
    trace = by_name["tempo: a front -> middle -> back trace"]
    assert trace.status == FAIL and "sample-front" in trace.detail
    assert by_name["loki: sample-front logs with trace ids"].status == PASS
    middle = by_name["loki: sample-middle logs with trace ids"]
    assert middle.status == FAIL and "none with trace_id" in middle.detail
    back = by_name["loki: sample-back logs with trace ids"]
    assert back.status == FAIL and "no logs" in back.detail


def test_unreachable_backend_is_an_environment_error(prom):
    closed = f"http://127.0.0.1:{closed_port()}"
    with ReplayServer(loki_responder({"front", "middle", "back"})) as loki:
        checks = verify.run_checks(facts(), BackendUrls(prom, closed, loki.url), time.time())
    assert [c.status for c in checks if c.name.startswith("tempo")] == [UNREACHABLE]
    assert exit_code(checks) == 2


def test_tempo_http_error_fails_the_check_only(prom):
    with (
        ReplayServer(lambda r: (500, {"error": "boom"})) as tempo,
        ReplayServer(loki_responder({"front", "middle", "back"})) as loki,
    ):
        checks = verify.run_checks(facts(), BackendUrls(prom, tempo.url, loki.url), time.time())
    tempo_check = next(c for c in checks if c.name.startswith("tempo"))
    assert tempo_check.status == FAIL and "HTTP 500" in tempo_check.detail
    assert exit_code(checks) == 1


def local_workloads(*missing: str) -> dict:
    """The listings of a cluster running every workload of the local stack but `missing`."""
    return workload_routes(
        [
            workload(w.kind, w.namespace, w.name)
            for w in workloads.expected(workloads.StackShape("local"))
            if w.name not in missing
        ]
    )


def kube_api(workload_listings: dict) -> dict:
    fargate = {"eks.amazonaws.com/compute-type": "fargate"}
    return {
        "/api/v1/namespaces/o11y-monitoring": namespace("o11y-monitoring"),
        "/api/v1/nodes": listing(
            "Node",
            [
                node(VM_NODES[0], f"kind://docker/kit/{VM_NODES[0]}"),
                node(VM_NODES[1], f"kind://docker/kit/{VM_NODES[1]}"),
                node(FARGATE_NODE, "aws:///us-east-1a/fargate", labels=fargate),
            ],
        ),
        **workload_listings,
    }


def verify_local(prom: str, tmp_path, kube: dict) -> int:
    """`python -m kit verify --stack local` against the replayed `kube` API and every signal
    present in the backends, given by URL."""
    both = {PARTIAL: "tempo_trace_partial.json", COMPLETE: "tempo_trace_complete.json"}
    with (
        ReplayServer(routes(kube)) as api,
        ReplayServer(tempo_responder(both)) as tempo,
        ReplayServer(loki_responder({"front", "middle", "back"})) as loki,
    ):
        argv = ["verify", "--kubeconfig", str(write_kubeconfig(tmp_path, api.url)),
                "--prometheus-url", prom, "--tempo-url", tempo.url, "--loki-url", loki.url,
                "--stack", "local"]  # fmt: skip
        return main(argv)


def test_verify_command_end_to_end(prom, tmp_path, capsys):
    """`python -m kit verify` with the nodes and workloads from a (replayed) Kubernetes API and
    the backends by URL: the table on stdout, exit 0."""
    # (no read of the otel-node-agent DaemonSet answers: the agent's rule groups are not expected)
    code = verify_local(prom, tmp_path, kube_api(local_workloads()))
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.splitlines()[0].split() == ["CHECK", "RESULT", "DETAIL"]
    assert re.search(r"prometheus: container metrics per VM node \(cAdvisor\) +PASS", out), out
    assert "all 15 Deployments, DaemonSets and StatefulSets present and ready" in out
    assert out.count("PASS") == 8


def test_verify_fails_on_each_workload_the_operator_never_made(prom, tmp_path, capsys):
    kube = kube_api(local_workloads("prometheus-kps-prometheus", "alertmanager-kps-alertmanager"))
    code = verify_local(prom, tmp_path, kube)
    out = capsys.readouterr().out
    assert code == 1, out
    failed = [line.split() for line in out.splitlines() if " FAIL " in line]
    assert [row[:3] for row in failed] == [
        ["kubernetes:", "StatefulSet", "o11y-monitoring/prometheus-kps-prometheus"],
        ["kubernetes:", "StatefulSet", "o11y-monitoring/alertmanager-kps-alertmanager"],
    ]
    assert out.count("missing; prometheus-operator has not created it: check its logs") == 2


def test_verify_shows_what_is_missing_before_a_backend_it_cannot_reach(tmp_path, capsys):
    """Without Prometheus' StatefulSet the port-forward has nothing to reach: one line on stderr
    (exit 2), and the table above it says why."""
    kube = kube_api(local_workloads("prometheus-kps-prometheus"))
    with ReplayServer(routes(kube)) as api:
        kubeconfig = str(write_kubeconfig(tmp_path, api.url))
        code = main(["verify", "--kubeconfig", kubeconfig, "--stack", "local"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "kubernetes: StatefulSet o11y-monitoring/prometheus-kps-prometheus  FAIL" in out
    assert err.startswith("kit: no Service o11y-monitoring/kps-prometheus")


def test_aks_adds_an_application_insights_hint_that_never_fails(prom):
    both = {PARTIAL: "tempo_trace_partial.json", COMPLETE: "tempo_trace_complete.json"}
    with (
        ReplayServer(tempo_responder(both)) as tempo,
        ReplayServer(loki_responder({"front", "middle", "back"})) as loki,
    ):
        checks = verify.run_checks(
            facts(cloud="aks"), BackendUrls(prom, tempo.url, loki.url), time.time()
        )
    assert checks[-1].status == INFO and "AppRequests" in checks[-1].detail
    assert exit_code(checks) == 0
