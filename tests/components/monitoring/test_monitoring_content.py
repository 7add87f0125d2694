"""MonitoringContent under Pulumi mocks: what it registers, where, after what, and that every
object passes the same schema checks `python -m kit plan` runs (CRDs included)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from agent import CLUSTER_AGENT, NODE_AGENT, cluster_agent_manifests, node_agent_manifests
from agent.backends import Backends
from agent.preset_catalog import METRICS_PORT
from components import alert_rules, dashboards
from components.monitoring_content import (
    METRICS_PORT_NAME,
    MonitoringContent,
    MonitoringContentArgs,
)
from kit.plan import manifests, offline

CUSTOM = "kubernetes:monitoring.coreos.com/v1:"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
RELEASE = "kubernetes:helm.sh/v3:Release"
BACKENDS = Backends(
    prometheus_otlp_url="http://kps-prometheus.o11y-monitoring.svc:9090/api/v1/otlp",
    trace_otlp_grpc_endpoint="tempo.o11y-monitoring.svc:4317",
    loki_otlp_url="http://loki.o11y-monitoring.svc:3100/otlp",
)


def register(agent_namespace: str | None) -> list:
    """Registrations of one MonitoringContent next to a stand-in for the kps release."""

    def program() -> None:
        namespace = k8s.core.v1.Namespace("o11y-monitoring", metadata={"name": "o11y-monitoring"})
        stack = k8s.helm.v3.Release(
            "kps", chart="kube-prometheus-stack", namespace="o11y-monitoring"
        )
        MonitoringContent(
            "content",
            MonitoringContentArgs("o11y-monitoring", stack, "o11y-app", agent_namespace),
            opts=pulumi.ResourceOptions(depends_on=[namespace]),
        )

    return offline.evaluate("local", program=program).resources


@pytest.fixture(scope="module")
def with_agent():
    return register("o11y-agent")


def of_kind(registered, kind: str) -> list:
    return [r for r in registered if r.type == CUSTOM + kind]


def test_every_child_hangs_off_the_component_and_waits_for_namespace_and_release(with_agent):
    (component,) = [r for r in with_agent if r.type == "o11y-kit:monitoring:MonitoringContent"]
    (release,) = [r for r in with_agent if r.type == RELEASE]
    (namespace,) = [r for r in with_agent if r.type == "kubernetes:core/v1:Namespace"]
    children = [r for r in with_agent if r.parent == component.urn]
    assert len(children) == 1 + len(dashboards.load()) + 2
    for child in children:
        assert {release.urn, namespace.urn} <= set(child.dependencies), child.name


def test_rules_are_one_prometheus_rule_in_the_monitoring_namespace(with_agent):
    (rule,) = of_kind(with_agent, "PrometheusRule")
    assert rule.inputs["metadata"]["namespace"] == "o11y-monitoring"
    assert rule.inputs["spec"]["groups"] == alert_rules.rule_groups("o11y-app", "o11y-agent")


def test_dashboards_are_config_maps_the_grafana_sidecar_picks_up(with_agent):
    maps = [r.inputs for r in with_agent if r.type == CONFIG_MAP]
    assert sorted(m["metadata"]["name"] for m in maps) == [
        f"o11y-kit-dashboard-{stem}" for stem in dashboards.load()
    ]
    for config_map in maps:
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["namespace"] == "o11y-monitoring"


def test_pod_monitors_select_the_agent_pods_on_their_metrics_port(with_agent):
    agent_objects = node_agent_manifests("o11y-agent", BACKENDS)
    agent_objects += cluster_agent_manifests("o11y-agent", BACKENDS)
    workloads = {
        o["metadata"]["name"]: o for o in agent_objects if o["kind"] in ("DaemonSet", "Deployment")
    }
    monitors = {m.inputs["metadata"]["name"]: m.inputs for m in of_kind(with_agent, "PodMonitor")}
    assert set(monitors) == {NODE_AGENT, CLUSTER_AGENT}
    for name, monitor in monitors.items():
        assert monitor["metadata"]["namespace"] == "o11y-agent"
        template = workloads[name]["spec"]["template"]
        selector = monitor["spec"]["selector"]["matchLabels"]
        assert selector.items() <= template["metadata"]["labels"].items()
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        ports = {
            p["name"]: p["containerPort"]
            for c in template["spec"]["containers"]
            for p in c["ports"]
        }
        assert ports[endpoint["port"]] == METRICS_PORT == 8888
        assert endpoint["port"] == METRICS_PORT_NAME


def test_without_an_agent_there_are_no_agent_rules_or_monitors():
    registered = register(None)
    assert of_kind(registered, "PodMonitor") == []
    (rule,) = of_kind(registered, "PrometheusRule")
    names = alert_rules.alert_names(rule.inputs["spec"]["groups"])
    assert names and not [n for n in names if n.startswith("Otel")]


@pytest.mark.live
def test_every_object_passes_strict_schema_validation(with_agent):
    objects = [
        manifests.manifest(r)
        for r in with_agent
        if manifests.is_object(r) and "MonitoringContent$" in r.urn
    ]
    assert {o["kind"] for o in objects} == {"PrometheusRule", "PodMonitor", "ConfigMap"}
    assert manifests.validate(objects) == []
