"""`kit cost` reads each cost component from the plan and prices it from the pinned tables: the
figures below are computed by hand from those tables and from what the stacks deploy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from components.cost_model import HOURS_PER_MONTH
from kit.__main__ import main
from kit.plan.cost import report
from kit.plan.cost.planned import planned
from kit.plan.cost.usage import DEFAULTS
from tests.helpers import chart_objects

# Each stack's charts are rendered by the pinned helm, as `make plan` does.
pytestmark = pytest.mark.live

H = HOURS_PER_MONTH
D = Decimal
REQUESTS_PER_MONTH_AT_2 = 2 * 730 * 3600
LOG_BYTES, SPAN_BYTES = 600, 1930  # the usage defaults (docs/cost.md#usage)
# eks prices (components/platforms/eks/prices.yaml): Tokyo where listed, else us-east-1
EKS, T3_LARGE, NAT, NAT_GB = D("0.10"), D("0.0835"), D("0.062"), D("0.062")
FARGATE_VCPU, FARGATE_GB = D("0.04048"), D("0.004445")
METRIC, LOGS_GB, STORED_GB = D("0.30"), D("0.50"), D("0.03")
# aks prices (components/platforms/aks/prices.yaml)
D2S_V3, STANDARD_LB, PUBLIC_IP, LOG_ANALYTICS_GB = D("0.096"), D("0.025"), D("0.005"), D("2.30")
# The back tier on Fargate: app 100m / 256Mi + collector sidecar 100m / 192Mi, plus Fargate's
# 256 MiB, rounds up to 0.25 vCPU / 1 GB.
FARGATE_POD = (D("0.25") * FARGATE_VCPU + 1 * FARGATE_GB) * H


def estimate_of(ev) -> report.Estimate:
    return report.estimate(planned(ev, chart_objects=chart_objects(ev)), DEFAULTS)


def eks_usage(rps: int) -> Decimal:
    """Logs and spans ingested (Transaction Search: spans at the CloudWatch Logs price; 5 GB
    free), the logs' 30-day storage, NAT data."""
    requests = D(REQUESTS_PER_MONTH_AT_2 // 2 * rps)
    logs_gb = requests * LOG_BYTES / 10**9
    ingested_gb = requests * (LOG_BYTES + SPAN_BYTES) / 10**9
    return max(ingested_gb - 5, D(0)) * LOGS_GB + logs_gb * STORED_GB + ingested_gb * NAT_GB


def eks_metrics(nodes: int, ec2_pods: int) -> Decimal:
    """Container Insights: 4 node metrics per node and per cluster, 3 per pod, 2 per cluster;
    1 node-ready metric per cluster; 10 free."""
    return (4 * (nodes + 1) + 3 * ec2_pods + 2 + 1 - 10) * METRIC


def eks_pods(nodes: int, fargate: int) -> int:
    """On the EC2 nodes: 3 agents, the 5 app workloads (the tiers, loadgen and the wheelhouse)
    but the Fargate ones, 7 monitoring pods
    (Alertmanager, Grafana, kube-state-metrics, operator, Prometheus, Loki, Tempo), 3
    DaemonSets (node agent, Container Insights, node-exporter) and 2 per-node add-ons per node,
    2 CoreDNS."""
    return 3 + (5 - fargate) + 7 + 3 * nodes + 2 * nodes + 2


def eks_fixed(nodes: int = 2, fargate: int = 1) -> Decimal:
    return (
        EKS * H
        + nodes * T3_LARGE * H
        + NAT * H
        + fargate * FARGATE_POD
        + eks_metrics(nodes, eks_pods(nodes, fargate))
    )


def test_eks_costs_what_its_plan_deploys(evaluated):
    found = estimate_of(evaluated("eks"))
    assert found.total(False) == eks_fixed()
    assert found.total(True) == eks_usage(2)
    assert round(found.total() / H, 4) == D("0.3846")
    assert [c.name for c in found.unpriced] == ["node root volumes (the AMI's default size)"]
    names = {c.name for c in found.lines}
    assert "sample-back pod (0.25 vCPU / 1 GB) vCPU" in names
    assert not any("load balancer" in n for n in names)  # the front end stays ClusterIP


def test_aks_costs_what_its_plan_deploys(evaluated):
    found = estimate_of(evaluated("aks"))
    ingested = D(REQUESTS_PER_MONTH_AT_2) * (LOG_BYTES + SPAN_BYTES) / 10**9
    assert found.total(False) == (2 * D2S_V3 + STANDARD_LB + PUBLIC_IP) * H  # Free tier: $0
    assert found.total(True) == (ingested - 5) * LOG_ANALYTICS_GB
    assert round(found.total() / H, 4) == D("0.2481")
    assert [c.name for c in found.unpriced] == ["OS disks, 64 GB (system)"]


def test_local_costs_nothing(evaluated):
    found = estimate_of(evaluated("local"))
    assert found.lines == [] and found.total() == 0
    assert "nothing billable" in report.render(found)


def test_three_nodes_add_a_node_its_daemonset_pods_and_their_metrics(evaluate):
    found = estimate_of(evaluate("eks", nodeCount=3))
    assert found.total(False) == eks_fixed(nodes=3)
    nodes = next(c for c in found.lines if c.name == "t3.large nodes")
    assert nodes.quantity == 3


def test_two_fargate_tiers_bill_two_pods_and_leave_the_nodes(evaluate):
    found = estimate_of(evaluate("eks", fargateTiers=["middle", "back"]))
    assert found.total(False) == eks_fixed(fargate=2)
    fargate = [c.name for c in found.lines if c.name.endswith("vCPU")]
    assert sorted(fargate) == [
        "sample-back pod (0.25 vCPU / 1 GB) vCPU",
        "sample-middle pod (0.25 vCPU / 1 GB) vCPU",
    ]


def test_ten_times_the_load_ten_times_the_telemetry(evaluate):
    found = estimate_of(evaluate("eks", loadRps=20))
    assert found.rps == 20
    assert found.total(False) == eks_fixed()
    assert found.total(True) == eks_usage(20)
    logs, spans = found.ingested_gb_per_day
    assert (logs, spans) == (
        D(20 * 86_400 * LOG_BYTES) / 10**9,
        D(20 * 86_400 * SPAN_BYTES) / 10**9,
    )


def test_a_region_the_tables_do_not_list_is_priced_from_the_nearest_and_says_so(evaluate):
    found = estimate_of(evaluate("eks", region="eu-west-1"))
    priced = [c for c in found.lines if c.price]
    assert {c.price.region for c in priced} == {"us-east-1"}  # nearer than Tokyo
    assert all("eu-west-1 not in the price table: us-east-1 price" in c.note for c in priced)
    assert "eu-west-1 not in the price table: us-east-1 price" in report.render(found)


def test_the_front_end_opened_adds_its_load_balancer(evaluate):
    found = estimate_of(evaluate("aks", frontendAllowedCidrs=["198.51.100.0/24"]))
    ip = [c for c in found.lines if c.name.startswith("public IP of")]
    assert [c.name for c in ip] == ["public IP of o11y-app/front"]
    assert found.total(False) == (2 * D2S_V3 + STANDARD_LB + 2 * PUBLIC_IP) * H


def test_cost_prints_the_lines_and_the_pods_of_a_stack(capsys):
    assert main(["cost", "--stack", "local"]) == 0
    out = capsys.readouterr().out
    assert "cost of stack local, load 2 requests/s: nothing billable" in out
    assert "pods on 3 node(s)" in out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("logBytesPerRequest: -1\n", "logBytesPerRequest = -1: expected a number >= 0"),
        ("spanBytesPerRequest: many\n", "spanBytesPerRequest = 'many': expected a number >= 0"),
        ("bytes: 3\n", "bytes = 3: unknown key; one of logBytesPerRequest"),
    ],
)
def test_a_bad_usage_file_is_refused_in_one_line_naming_the_key(tmp_path, capsys, text, problem):
    usage = tmp_path / "usage.yaml"
    usage.write_text(text)
    assert main(["cost", "--stack", "local", "--usage", str(usage)]) == 2
    err = capsys.readouterr().err
    assert problem in err and len(err.strip().splitlines()) == 1
