"""The CloudWatch shape, live: the eks cluster agent's and node agent's awsemf pipelines, from the
eks stack's offline evaluation, run by the real collector (`make otelcol`; awsemf at v0.158.0,
agent/distribution.py BUILT_NEARBY) into moto's CloudWatch Logs, fed what their receivers
(k8s_cluster, awscontainerinsight; not built here) emit, plus metrics that must not reach
CloudWatch. The EMF documents read back must make CloudWatch extract exactly the metrics the
eks alarms (components/platforms/eks/alerts.py, as the program declares them) and the Container
Insights console read, under the dimension values the alarms ask for, with values that fire them.

What CloudWatch makes of an EMF document (which namespace, metric and dimension sets it
extracts from `_aws.CloudWatchMetrics`) is AWS's documented format ("Specification: Embedded
metric format", CloudWatch User Guide); moto stores the events, it does not extract metrics.
"""

from __future__ import annotations

import json
import time

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    Gauge,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
)

from components.platforms.eks.alerts import CONTAINER_INSIGHTS, FAILED_NODES_METRIC
from components.platforms.eks.container_insights_agent import CONTAINER_INSIGHTS_AGENT
from components.platforms.eks.exporters import NODE_READY_NAMESPACE
from tests.agent.collector_pods import collector_pods
from tests.agent.emf_pipeline import LocalCloudWatchLogs, run_pipeline
from tests.agent.otelcol import collector
from tests.agent.stacks import evaluation

pytestmark = [pytest.mark.live, pytest.mark.slow]

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
READY = "k8s.node.condition_ready"
NODES = {  # k8s_cluster's Ready condition: 1 true, 0 false, -1 unknown
    "ip-10-0-1-23.eu-west-1.compute.internal": 1,
    "ip-10-0-2-41.eu-west-1.compute.internal": 0,
    "ip-10-0-3-77.eu-west-1.compute.internal": -1,
}
THIS_NODE = "ip-10-0-1-23.eu-west-1.compute.internal"
INSTANCE = "i-0a1b2c3d4e5f60718"

# What the Container Insights console reads: metric -> its dimension sets, from the CloudWatch
# User Guide's "Amazon EKS and Kubernetes Container Insights metrics" (Container-Insights-
# metrics-EKS) and "Enhanced Container Insights (Classic) metric reference" tables, for the
# metrics the node agent declares (each metric x dimension set is a billed custom metric).
CLUSTER, NODE, POD = (
    frozenset({"ClusterName"}),
    frozenset({"ClusterName", "InstanceId", "NodeName"}),
    frozenset({"ClusterName", "Namespace", "PodName"}),
)
NAMESPACE_SET = frozenset({"ClusterName", "Namespace"})
SERVICE_SET = frozenset({"ClusterName", "Namespace", "Service"})
CONSOLE = {
    "cluster_failed_node_count": {CLUSTER},
    "cluster_node_count": {CLUSTER},
    **dict.fromkeys(
        [
            "node_cpu_utilization",
            "node_memory_utilization",
            "node_filesystem_utilization",
            "node_number_of_running_pods",
        ],
        {NODE, CLUSTER},
    ),
    **dict.fromkeys(
        ["pod_cpu_utilization", "pod_memory_utilization"],
        {POD, NAMESPACE_SET, SERVICE_SET, CLUSTER},
    ),
    "pod_number_of_container_restarts": {POD},
}


def _attributes(values: dict) -> list[KeyValue]:
    return [KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in values.items()]


def _resource(attributes: dict, metrics: dict[str, float], unit: str = "") -> ResourceMetrics:
    """One receiver record: resource attributes and gauges, as awscontainerinsight's
    ConvertToOTLPMetrics and k8s_cluster's node metrics build them (one datapoint each)."""
    now = time.time_ns()
    gauges = [
        Metric(
            name=name,
            unit=unit,
            gauge=Gauge(
                data_points=[
                    NumberDataPoint(time_unix_nano=now, **{_kind(value): value}),
                ]
            ),
        )
        for name, value in metrics.items()
    ]
    return ResourceMetrics(
        resource={"attributes": _attributes(attributes)},
        scope_metrics=[ScopeMetrics(metrics=gauges)],
    )


def _kind(value: float) -> str:
    return "as_int" if isinstance(value, int) else "as_double"


def k8s_cluster_output() -> ExportMetricsServiceRequest:
    """Per node: its Ready condition and what the cluster agent's Prometheus pipeline also gets
    (other conditions, allocatable); a pod phase and a deployment: only Ready may pass."""
    nodes = [
        _resource(
            {"k8s.node.name": name, "k8s.node.uid": f"uid-{i}"},
            {
                READY: ready,
                "k8s.node.condition_memory_pressure": 0,
                "k8s.node.allocatable_cpu": 2.0,
            },
        )
        for i, (name, ready) in enumerate(NODES.items())
    ]
    pod = _resource(
        {"k8s.pod.name": "sample-front-5d8f", "k8s.namespace.name": "shop"}, {"k8s.pod.phase": 2}
    )
    deployment = _resource({"k8s.deployment.name": "sample-front"}, {"k8s.deployment.available": 1})
    return ExportMetricsServiceRequest(resource_metrics=[*nodes, pod, deployment])


def container_insights_output(cluster: str) -> ExportMetricsServiceRequest:
    """One node's awscontainerinsight records: the elected leader's cluster and service counts,
    the node, its filesystem, a pod and a container, each with fields the console does not
    chart (they stay in the performance log event, not extracted as metrics)."""
    stamp = str(time.time_ns())
    common = {"ClusterName": cluster, "Timestamp": stamp, "Version": "0"}
    node = {**common, "NodeName": THIS_NODE, "InstanceId": INSTANCE, "InstanceType": "t3.large"}
    pod = {**node, "PodName": "sample-front", "Namespace": "shop", "Service": "sample-front"}
    pod["kubernetes"] = json.dumps(
        {"host": THIS_NODE, "namespace_name": "shop", "pod_name": "sample-front"}
    )
    records = [
        (
            {**common, "Type": "Cluster", "NodeName": THIS_NODE, "Sources": '["apiserver"]'},
            {"cluster_failed_node_count": 1, "cluster_node_count": 3},
        ),
        (
            {
                **common,
                "Type": "ClusterService",
                "NodeName": THIS_NODE,  # the leader's node (k8sapiserver.go)
                "Service": "sample-front",
                "Namespace": "shop",
            },
            {"service_number_of_running_pods": 2},
        ),
        (
            {**node, "Type": "Node", "Sources": '["cadvisor","pod","calculated"]'},
            {
                "node_cpu_utilization": 12.5,
                "node_memory_utilization": 40.25,
                "node_number_of_running_pods": 9,
                "node_cpu_usage_total": 250.0,
                "node_network_total_bytes": 1024.0,
            },
        ),
        (
            {**node, "Type": "NodeFS", "device": "/dev/nvme0n1p1", "fstype": "xfs"},
            {"node_filesystem_utilization": 31.0, "node_filesystem_inodes": 10485760},
        ),
        (
            {**pod, "Type": "Pod"},
            {
                "pod_cpu_utilization": 1.5,
                "pod_memory_utilization": 2.5,
                "pod_number_of_container_restarts": 0,
                "pod_network_rx_bytes": 512.0,
            },
        ),
        ({**pod, "Type": "Container", "ContainerName": "app"}, {"container_cpu_utilization": 1.2}),
    ]
    return ExportMetricsServiceRequest(
        resource_metrics=[_resource(attributes, fields) for attributes, fields in records]
    )


@pytest.fixture(scope="module")
def cloudwatch():
    collector()  # skip (or fail in CI) before starting anything when the binary is missing
    with LocalCloudWatchLogs() as local:
        yield local


def _pod(workload: str):
    (pod,) = [p for p in collector_pods(evaluation("eks-fargate-back")) if p.workload == workload]
    return pod


def _alarms() -> list[dict]:
    return [a.inputs for a in evaluation("eks-fargate-back").of_type(ALARM)]


def read_by_alarms(namespace: str) -> dict[tuple[str, str, frozenset[str]], dict]:
    """(namespace, metric, dimension set) -> the alarm, for the program's alarms in `namespace`."""
    return {
        (a["namespace"], a["metricName"], frozenset(a["dimensions"])): a
        for a in _alarms()
        if a["namespace"] == namespace
    }


def extracted(events) -> set[tuple[str, str, frozenset[str]]]:
    return set().union(*(event.extracted() for event in events))


def datapoints(events, namespace: str, metric: str, dimensions: dict[str, str]) -> list[float]:
    """The values CloudWatch records for one metric under one dimension set and its values."""
    return [
        e.document[metric]
        for e in events
        if (namespace, metric, frozenset(dimensions)) in e.extracted()
        and all(e.document.get(k) == v for k, v in dimensions.items())
    ]


def _fires(alarm: dict, values: list[float]) -> bool:
    """One period's statistic over `values` against the alarm's threshold."""
    statistic = {"Minimum": min, "Maximum": max}[alarm["statistic"]](values)
    compare = {
        "LessThanThreshold": statistic < alarm["threshold"],
        "GreaterThanThreshold": statistic > alarm["threshold"],
    }
    return compare[alarm["comparisonOperator"]]


def run_cluster_agent(cloudwatch, change=lambda config: None):
    pod = _pod("otel-cluster-agent")
    return run_pipeline(
        cloudwatch, pod, "metrics/node_ready", k8s_cluster_output(), len(NODES), change
    )


def cluster_agent_problems(settings: dict, events: list) -> list[str]:
    """What is wrong with what the cluster agent wrote, for the not-ready alarm."""
    ((key, alarm),) = read_by_alarms(NODE_READY_NAMESPACE).items()
    problems = []
    values = datapoints(events, *key[:2], alarm["dimensions"])
    if sorted(values) != sorted(NODES.values()):
        problems.append(f"the alarm's series {key} {alarm['dimensions']} holds {values}")
    beyond = extracted(events) - {key}
    if beyond:
        problems.append(f"extracted beyond the alarm's metric: {sorted(beyond)}")
    others = {field for e in events for field in e.document if field.startswith("k8s.")}
    if len(events) != len(NODES) or others != {READY, "k8s.node.name", "k8s.node.uid"}:
        problems.append(f"not filtered to Ready: {len(events)} events with {sorted(others)}")
    if {e.log_stream for e in events} != {settings["log_stream_name"]}:
        problems.append(f"streams {sorted({e.log_stream for e in events})}")
    return problems


def test_the_cluster_agent_writes_exactly_the_ready_metric_the_not_ready_alarm_reads(cloudwatch):
    settings, events, log = run_cluster_agent(cloudwatch)
    assert settings["namespace"] == NODE_READY_NAMESPACE
    problems = cluster_agent_problems(settings, events)
    assert not problems, "\n".join([*problems, "collector log:", log])
    ((_, alarm),) = read_by_alarms(NODE_READY_NAMESPACE).items()
    values = datapoints(events, NODE_READY_NAMESPACE, READY, alarm["dimensions"])
    assert _fires(alarm, values), "one NotReady and one Unknown node must fire the alarm"
    assert not _fires(alarm, [1] * len(NODES)), "all Ready must not"
    assert all(e.document["NodeName"] in NODES for e in events), "the node is named"


def _without_filter(config: dict) -> None:
    (pipeline,) = config["service"]["pipelines"].values()
    pipeline["processors"].remove("filter/node_ready")


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (
            lambda c: c["exporters"]["awsemf/node_ready"].update(namespace="O11yKit/Other"),
            "the alarm's series",
        ),
        (
            lambda c: c["processors"]["resource/cloudwatch"]["attributes"][0].update(value="x"),
            "the alarm's series",
        ),
        (_without_filter, "not filtered to Ready"),
    ],
    ids=["namespace", "cluster name", "no filter"],
)
def test_the_check_fails_when_the_cluster_agent_config_is_broken(cloudwatch, break_it, problem):
    """The same run with one setting wrong: the check names what went wrong."""
    settings, events, log = run_cluster_agent(cloudwatch, break_it)
    assert events, log
    found = cluster_agent_problems(settings, events)
    assert any(p.startswith(problem) for p in found), found


CONTAINER_INSIGHTS_RECORDS = 6  # container_insights_output: one EMF event per record


def run_container_insights_agent(cloudwatch, change=lambda config: None):
    pod = _pod(CONTAINER_INSIGHTS_AGENT)
    request = container_insights_output(_pressure_alarm()["dimensions"]["ClusterName"])
    pipeline = "metrics/containerinsights"
    return run_pipeline(cloudwatch, pod, pipeline, request, CONTAINER_INSIGHTS_RECORDS, change)


def _pressure_alarm() -> dict:
    ((_, alarm),) = read_by_alarms(CONTAINER_INSIGHTS).items()
    return alarm


def container_insights_problems(events: list) -> list[str]:
    """What is wrong with what the node agent wrote, for the pressure alarm and the console."""
    alarm = _pressure_alarm()
    problems = []
    values = datapoints(events, CONTAINER_INSIGHTS, FAILED_NODES_METRIC, alarm["dimensions"])
    if values != [1]:
        problems.append(f"the alarm's series {alarm['dimensions']} holds {values}")
    found = extracted(events)
    console = {(CONTAINER_INSIGHTS, m, d) for m, sets in CONSOLE.items() for d in sets}
    beyond = found - console - set(read_by_alarms(CONTAINER_INSIGHTS))
    if beyond:
        problems.append(f"not charted nor alarmed: {sorted(beyond)}")
    missing = set(CONSOLE) - {metric for _, metric, _ in found}
    if missing:
        problems.append(f"console metrics missing: {sorted(missing)}")
    # one stream per node ("{NodeName}"), where Container Insights looks for it
    if len(events) != CONTAINER_INSIGHTS_RECORDS or {e.log_stream for e in events} != {THIS_NODE}:
        problems.append(f"{len(events)} events in {sorted({e.log_stream for e in events})}")
    return problems


def test_the_container_insights_agent_writes_the_pressure_alarm_metric_and_the_charts(
    cloudwatch,
):
    """Only the declared metrics are extracted: the receiver's other fields (service counts,
    node CPU total, network bytes, inodes, container CPU) stay in the performance log events,
    which Container Insights and Logs Insights read, without becoming billed metrics."""
    settings, events, log = run_container_insights_agent(cloudwatch)
    assert settings["namespace"] == CONTAINER_INSIGHTS
    problems = container_insights_problems(events)
    assert not problems, "\n".join([*problems, "collector log:", log])
    alarm = _pressure_alarm()
    values = datapoints(events, CONTAINER_INSIGHTS, FAILED_NODES_METRIC, alarm["dimensions"])
    assert _fires(alarm, values) and not _fires(alarm, [0]), "one failed node fires, none not"
    (pod_event,) = [e for e in events if e.document.get("Type") == "Pod"]
    assert pod_event.document["kubernetes"]["pod_name"] == "sample-front", "JSON not parsed"
    (container_event,) = [e for e in events if e.document.get("Type") == "Container"]
    assert "_aws" not in container_event.document, "container metrics are not extracted"


def _pod_metrics_per_node(config: dict) -> None:
    declarations = config["exporters"]["awsemf/containerinsights"]["metric_declarations"]
    (pod,) = [d for d in declarations if "^pod_cpu_utilization$" in d["metric_name_selectors"]]
    pod["dimensions"] = [["PodName", "Namespace", "ClusterName", "NodeName"]]


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (
            lambda c: c["exporters"]["awsemf/containerinsights"].update(namespace="CI"),
            "the alarm's series",
        ),
        (_pod_metrics_per_node, "not charted nor alarmed"),
    ],
    ids=["namespace", "pod metrics per node"],
)
def test_the_check_fails_on_a_broken_container_insights_config(cloudwatch, break_it, problem):
    settings, events, log = run_container_insights_agent(cloudwatch, break_it)
    assert events, log
    found = container_insights_problems(events)
    assert any(p.startswith(problem) for p in found), found
