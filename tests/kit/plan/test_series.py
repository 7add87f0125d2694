"""The plan's series estimate and its check that every dashboard query and rule reads metrics a
kept source produces, as measured (kit/plan/series.py, kit/plan/series_measured.json)."""

from __future__ import annotations

import json

import pytest
import yaml

from kit.plan import series

MEASURED = {
    "pods_per_node": 40,
    "command": "make bench-series",
    "machine": "test",
    "sources": {
        name: {
            "series": 10 * (i + 1),
            "bytes": 100,
            "names": names,
            "by_name": {n: 10 * (i + 1) / len(names) for n in names},
        }
        for i, (name, names) in enumerate(
            {
                "node-exporter": ["node_cpu_seconds_total", "node_uname_info"],
                "host_metrics": ["system_cpu_time_seconds_total"],
                "cadvisor": ["container_cpu_usage_seconds_total"],
                "kubelet_stats": ["k8s_node_cpu_usage", "k8s_pod_cpu_usage"],
                "kube-state-metrics": ["kube_node_status_condition", "kube_pod_info"],
                "k8s_cluster": ["k8s_node_condition_ready"],
            }.items()
        )
    },
}


def collector_config_map(pipelines: dict) -> dict:
    config = {"receivers": {}, "exporters": {}, "service": {"pipelines": pipelines}}
    return {
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"relay.yaml": yaml.dump(config)},
    }


CHART = [
    {"kind": "DaemonSet", "metadata": {"name": "kps-prometheus-node-exporter"}},
    {"kind": "Deployment", "metadata": {"name": "kps-kube-state-metrics"}},
    {
        "kind": "ServiceMonitor",
        "metadata": {"name": "kps-kubelet"},
        "spec": {"endpoints": [{"path": "/metrics"}, {"path": "/metrics/cadvisor"}]},
    },
]
AGENT_BEFORE = collector_config_map(
    {
        "metrics": {"receivers": ["otlp", "kubelet_stats"], "exporters": ["otlp_http/prometheus"]},
        "metrics/host": {"receivers": ["host_metrics"], "exporters": ["otlp_http/prometheus"]},
        "metrics/node_ready": {"receivers": ["k8s_cluster"], "exporters": ["awsemf/node_ready"]},
    }
)


def dashboard(*exprs: str) -> dict:
    panels = [{"targets": [{"expr": e}]} for e in exprs]
    text = json.dumps(
        {
            "panels": panels,
            "templating": {"list": [{"query": "label_values(kube_pod_info, namespace)"}]},
        }
    )
    return {"kind": "ConfigMap", "metadata": {"name": "d"}, "data": {"d.json": text}}


def rules(*rules: dict) -> dict:
    return {
        "kind": "PrometheusRule",
        "metadata": {"name": "r"},
        "spec": {"groups": [{"name": "g", "rules": list(rules)}]},
    }


def test_the_plan_enables_what_its_objects_send_to_prometheus():
    assert series.enabled(CHART) == {"node-exporter", "kube-state-metrics", "cadvisor"}
    # k8s_cluster to CloudWatch only (the eks alarm) is not Prometheus' source
    assert series.enabled([*CHART, AGENT_BEFORE]) == series.enabled(CHART) | {
        "kubelet_stats",
        "host_metrics",
    }
    estimate = series.estimate(CHART, 3, MEASURED)
    assert (estimate.per_node, estimate.per_cluster) == (10 + 30 + 50, 3 * 90)
    read = series.estimate([*CHART, dashboard("sum(node_uname_info)")], 3, MEASURED)
    assert read.read_per_node == 5 + 25  # node_uname_info, and kube_pod_info (templating)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (k8s_node_name) (k8s_node_cpu_usage{a="b"})', {"k8s_node_cpu_usage"}),
        (
            'sum by (nodename) (rate(node_cpu_seconds_total{mode!~"idle"}[5m]) '
            "* on (instance) group_left (nodename) node_uname_info)",
            {"node_cpu_seconds_total", "node_uname_info"},
        ),
        ("count(k8s_node_condition_ready == 1) or vector(0)", {"k8s_node_condition_ready"}),
        ("rate(x_total[$__rate_interval]) > bool 0.5", {"x_total"}),
        (
            'label_values(kube_pod_info{cluster="$cluster"}, namespace)',
            {"kube_pod_info", "namespace"},
        ),
        ("a:b:rate5m offset 5m unless ignoring (job) c", {"a:b:rate5m", "c"}),
    ],
)
def test_metric_names_of_an_expression(expr, names):
    assert series.metric_names(expr) == names


def test_a_query_or_rule_on_a_dropped_source_is_unresolved_and_others_are_not():
    objects = [
        *CHART,
        dashboard(
            "sum(k8s_node_cpu_usage)",  # kubelet_stats: not kept
            "sum(rate(container_cpu_usage_seconds_total[5m]))",
            "up",  # no measured source: not this check's
        ),
        rules(
            {"alert": "A", "expr": "k8s_node_condition_ready < 1"},
            {"record": "k8s_pod_cpu_usage", "expr": "sum(kube_pod_info)"},  # recorded: resolves
            {"alert": "B", "expr": "k8s_pod_cpu_usage > 1"},
        ),
    ]
    found = [str(u) for u in series.unresolved(objects, MEASURED)]
    assert found == [
        "dashboard d/d.json: k8s_node_cpu_usage comes from no source the plan keeps",
        "rule r A: k8s_node_condition_ready comes from no source the plan keeps",
    ]
    with_agent = series.unresolved([*objects, AGENT_BEFORE], MEASURED)
    assert [u.name for u in with_agent] == ["k8s_node_condition_ready"]


def test_the_docs_table_is_the_measured_one():
    assert series.table(series.load()) in series.DOC.read_text()


def test_the_measurement_covers_both_candidates_of_every_signal():
    """docs/design.md weighs each kept source against the dropped one: both are measured."""
    sources = series.load()["sources"]
    assert set(sources) == {s for pair in series.SIGNALS.values() for s in pair}
    assert all(s["series"] > 0 and s["bytes"] > 0 and s["names"] for s in sources.values())
