"""What the in-cluster monitoring watches and shows: the kit's alert rules (PrometheusRule),
its dashboards (ConfigMaps for Grafana's sidecar) and the scrape of the agent's own metrics
(PodMonitors). The Helm releases come from components/monitoring.py; this needs their CRDs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

import agent
from agent.k8s import selector_labels
from agent.labels import FARGATE_LABEL, kit_labels
from components import alert_rules, dashboards, options

MONITORING_API = "monitoring.coreos.com/v1"
RULES_NAME = "o11y-kit-rules"
METRICS_PORT_NAME = (
    "metrics"  # the collector container's self-telemetry port (agent/preset_catalog.py)
)
SCRAPE_INTERVAL = "30s"
COMPONENT = "monitoring-content"


@dataclass(frozen=True)
class MonitoringContentArgs:
    """Where rules, dashboards and monitors go, and what they depend on."""

    namespace: str  # the monitoring namespace (rules, dashboards)
    stack: pulumi.Resource  # the kube-prometheus-stack release: its CRDs must exist first
    app_namespace: str  # the sample app's, named in alert hints
    # The agent's namespace, or None where no agent runs: its rules (which would alert on its
    # absence) and PodMonitors are left out.
    agent_namespace: str | None
    node_namespace: str | None = None  # the node agent's, where not the cluster agent's
    # eks with Fargate: the gateway and the sidecars are scraped too (not the kubelet scraper,
    # which nothing may connect to).
    fargate: bool = False


def prometheus_rule(namespace: str, groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": MONITORING_API,
        "kind": "PrometheusRule",
        "metadata": {
            "name": RULES_NAME,
            "namespace": namespace,
            "labels": kit_labels(RULES_NAME, COMPONENT),
        },
        "spec": {"groups": groups},
    }


def pod_monitor(
    workload: str, namespace: str, selector: dict[str, str] | None = None
) -> dict[str, Any]:
    """Scrape one agent workload's self-telemetry; `selector` where its pods are not its own (the
    Fargate sidecars). Text format pinned: OpenMetrics would add the `_total` the rules omit."""
    return {
        "apiVersion": MONITORING_API,
        "kind": "PodMonitor",
        "metadata": {
            "name": workload,
            "namespace": namespace,
            "labels": kit_labels(workload, COMPONENT),
        },
        "spec": {
            "selector": {"matchLabels": selector or selector_labels(workload)},
            "scrapeProtocols": ["PrometheusText0.0.4"],
            "podMetricsEndpoints": [
                {
                    "port": METRICS_PORT_NAME,
                    "path": "/metrics",
                    "interval": SCRAPE_INTERVAL,
                    # `node` on every series: which node lost its agent.
                    "relabelings": [
                        {
                            "sourceLabels": ["__meta_kubernetes_pod_node_name"],
                            "targetLabel": "node",
                        }
                    ],
                }
            ],
        },
    }


def dashboard_config_map(stem: str, model: dict[str, Any], namespace: str) -> dict[str, Any]:
    name = f"o11y-kit-dashboard-{stem}"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**kit_labels(name, COMPONENT), **dashboards.SIDECAR_LABEL},
        },
        "data": {f"{stem}.json": json.dumps(model, indent=1)},
    }


class MonitoringContent(pulumi.ComponentResource):
    """The kit's PrometheusRule, dashboard ConfigMaps and the agent's PodMonitors."""

    rules: k8s.apiextensions.CustomResource
    alerts: list[str]

    def __init__(
        self, name: str, args: MonitoringContentArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:monitoring:MonitoringContent", name, None, opts)
        # After the namespaces (the component's own depends_on) and the release's CRDs.
        child = options.children(self, opts).merge(pulumi.ResourceOptions(depends_on=[args.stack]))
        groups = alert_rules.rule_groups(
            args.app_namespace, args.agent_namespace, args.node_namespace
        )
        self.alerts = alert_rules.alert_names(groups)
        self.rules = _custom_resource(
            f"{name}-rules", prometheus_rule(args.namespace, groups), child
        )
        self.dashboards = [
            k8s.core.v1.ConfigMap(
                f"{name}-dashboard-{stem}",
                **_fields(dashboard_config_map(stem, model, args.namespace)),
                opts=child,
            )
            for stem, model in dashboards.load().items()
        ]
        self.pod_monitors = []
        if args.agent_namespace is not None:
            node_namespace = args.node_namespace or args.agent_namespace
            monitored = [
                (agent.NODE_AGENT, node_namespace, None),
                (agent.CLUSTER_AGENT, args.agent_namespace, None),
            ]
            if args.fargate:
                monitored += [
                    (agent.FARGATE_GATEWAY, args.agent_namespace, None),
                    (alert_rules.FARGATE_SIDECAR, args.app_namespace, FARGATE_LABEL),
                ]
            self.pod_monitors = [
                _custom_resource(
                    f"{name}-podmonitor-{workload}",
                    pod_monitor(workload, namespace, selector),
                    child,
                )
                for workload, namespace, selector in monitored
            ]
        self.register_outputs(
            {
                "alerts": self.alerts,
                "dashboards": [c.metadata["name"] for c in self.dashboards],
                "pod_monitors": len(self.pod_monitors),
            }
        )


def _fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}


def _custom_resource(
    name: str, obj: dict[str, Any], opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        name, api_version=obj["apiVersion"], kind=obj["kind"], **_fields(obj), opts=opts
    )
