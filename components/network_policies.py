"""NetworkPolicies of the kit's own namespaces (monitoring, agent, node): everything denied, then
only the flows the kit needs (docs/design.md, "Network flows"; `python -m kit plan` proves the
policies as a whole admit each of them, kit/plan/checks/network_flows.py). The sample app's
are in sample_app.py.

Writes are admitted only from the pods that must write (e.g. Prometheus's 9090 from the
collectors, Tempo's metrics generator and Grafana). Chart pods are selected by the labels their
charts render, which the plan's flows check follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pulumi

import agent
from agent.labels import FARGATE_LABEL
from components import k8s_objects, options
from components.names import ALERTMANAGER_PORT, LOKI_PORT, PROMETHEUS_PORT, TEMPO_PORT
from components.network_policy_blocks import (
    KUBELET_PORT,
    Json,
    api_server,
    baseline,
    egress,
    for_pods,
    ingress,
    named,
    pods,
)
from components.platforms.base_cluster import KitCluster
from components.settings import AlertingConfig, KitConfig

RELOADER_PORT = 8080  # the operator's config-reloader sidecars (Prometheus, Alertmanager)
GRAFANA_PORT = 3000
KUBE_STATE_METRICS_PORT = 8080
OPERATOR_PORT = 10250  # the prometheus-operator's https (metrics and admission webhook)
LOKI_PORTS = (LOKI_PORT, 9095, 7946)  # HTTP, gRPC, memberlist
OTLP_GRPC, OTLP_HTTP = 4317, 4318
COLLECTOR_METRICS_PORT = 8888
NODE_EXPORTER_PORT = 9100
COREDNS_METRICS_PORT = 9153


@dataclass(frozen=True)
class NetworkPoliciesArgs:
    """The kit's namespaces and what shapes their flows."""

    monitoring: str
    agent: str
    node: str
    app: str
    fargate: bool = False  # the Fargate kubelet scraper and OTLP gateway run
    alert_ports: tuple[int, ...] = ()  # Alertmanager's receiver (webhook or SMTP), outside


class KitNetworkPolicies(pulumi.ComponentResource):
    """Registers the policies of the monitoring, agent and node namespaces."""

    def __init__(
        self, name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:core:NetworkPolicies", name, None, opts)
        child = options.children(self, opts)
        self.objects = [k8s_objects.create(obj, child) for obj in kit_network_policies(args)]
        self.register_outputs({"policies": len(self.objects)})


def kit_network_policies(args: NetworkPoliciesArgs) -> list[Json]:
    return [*_monitoring(args), *_agent(args), *_node(args)]


def node_agent_peers(node_namespace: str) -> list[Json]:
    """The node agent as a peer: its pods, on the pod network on every stack (no ipBlock, which
    would also match every pod with an address in it: docs/security.md, "Network")."""
    return [named(agent.NODE_AGENT, node_namespace)]


def _m(args: NetworkPoliciesArgs, name: str) -> Json:
    return named(name, args.monitoring)


def _collectors(args: NetworkPoliciesArgs, *fargate: str) -> list[Json]:
    """The node and cluster agents, plus the named Fargate collectors where they run."""
    peers = node_agent_peers(args.node)
    peers.append(named(agent.CLUSTER_AGENT, args.agent))
    if args.fargate:
        peers += [named(name, args.agent) for name in fargate]
    return peers


def _monitoring(args: NetworkPoliciesArgs) -> list[Json]:
    ns = args.monitoring
    prometheus, grafana, tempo, loki = (
        named(n, ns) for n in ("prometheus", "grafana", "tempo", "loki")
    )
    alertmanager = named("alertmanager", ns)
    operator = pods(ns, app="kube-prometheus-stack-operator")
    admission = pods(ns, **{"app.kubernetes.io/component": "prometheus-operator-webhook"})
    metrics_writers = _collectors(args, agent.FARGATE_SCRAPER, agent.FARGATE_GATEWAY)
    log_writers = _collectors(args, agent.FARGATE_GATEWAY)
    trace_writers = node_agent_peers(args.node)
    if args.fargate:
        trace_writers.append(named(agent.FARGATE_GATEWAY, args.agent))
    scraped_collectors = [
        named(agent.NODE_AGENT, args.node),
        named(agent.CLUSTER_AGENT, args.agent),
        *([named(agent.FARGATE_GATEWAY, args.agent)] if args.fargate else []),
    ]
    # Prometheus scrapes what the ServiceMonitors and PodMonitors name; kubelets, node-exporter
    # and the API server listen on node or control-plane addresses
    # (components/network_policy_blocks.py).
    prometheus_scrapes = [
        egress([grafana], GRAFANA_PORT),
        egress([named("kube-state-metrics", ns)], KUBE_STATE_METRICS_PORT),
        egress([alertmanager], ALERTMANAGER_PORT, RELOADER_PORT),
        egress([operator], OPERATOR_PORT),
        egress([prometheus], PROMETHEUS_PORT, RELOADER_PORT),
        egress([pods("kube-system", **{"k8s-app": "kube-dns"})], COREDNS_METRICS_PORT),
        egress(scraped_collectors, COLLECTOR_METRICS_PORT),
        egress(None, KUBELET_PORT, NODE_EXPORTER_PORT),
        api_server(),
    ]
    if args.fargate:  # the collector sidecars in the app's Fargate pods
        fargate_pods = pods(args.app, **FARGATE_LABEL)
        prometheus_scrapes.append(egress([fargate_pods], COLLECTOR_METRICS_PORT))
    alert_out = [egress(None, *args.alert_ports)] if args.alert_ports else []
    return [
        *baseline(ns),
        for_pods(
            "prometheus",
            ns,
            prometheus,
            ingress=[
                ingress([*metrics_writers, grafana, tempo, prometheus], PROMETHEUS_PORT),
                ingress([prometheus], RELOADER_PORT),
            ],
            egress=prometheus_scrapes,
        ),
        for_pods(
            "alertmanager",
            ns,
            alertmanager,
            ingress=[
                ingress([prometheus, grafana], ALERTMANAGER_PORT),
                ingress([prometheus], RELOADER_PORT),
            ],
            egress=alert_out,
        ),
        for_pods(
            "grafana",
            ns,
            grafana,
            ingress=[ingress([prometheus], GRAFANA_PORT)],
            egress=[
                egress([prometheus], PROMETHEUS_PORT),
                egress([loki], LOKI_PORT),
                egress([tempo], TEMPO_PORT),
                egress([alertmanager], ALERTMANAGER_PORT),
                api_server(),  # its sidecars watch the dashboard and datasource ConfigMaps
            ],
        ),
        for_pods(
            "loki",
            ns,
            loki,
            ingress=[ingress([*log_writers, grafana], LOKI_PORT), ingress([loki], *LOKI_PORTS)],
            egress=[egress([loki], *LOKI_PORTS)],
        ),
        for_pods(
            "tempo",
            ns,
            tempo,
            ingress=[
                ingress(trace_writers, OTLP_GRPC),
                ingress([grafana, tempo], TEMPO_PORT),
            ],
            egress=[
                egress([prometheus], PROMETHEUS_PORT),  # the metrics generator's remote write
                egress([tempo], TEMPO_PORT),
            ],
        ),
        for_pods(
            "kube-state-metrics",
            ns,
            named("kube-state-metrics", ns),
            ingress=[ingress([prometheus], KUBE_STATE_METRICS_PORT)],
            egress=[api_server()],
        ),
        # The admission webhook is called by the API server, which is no pod (by port alone).
        for_pods(
            "prometheus-operator",
            ns,
            operator,
            ingress=[ingress(None, OPERATOR_PORT)],
            egress=[api_server()],
        ),
        for_pods("operator-admission-jobs", ns, admission, ingress=[], egress=[api_server()]),
    ]


def _writes(args: NetworkPoliciesArgs, *, traces: bool) -> list[Json]:
    """A collector's egress to Prometheus, Loki and (`traces`) Tempo."""
    rules = [
        egress([named("prometheus", args.monitoring)], PROMETHEUS_PORT),
        egress([named("loki", args.monitoring)], LOKI_PORT),
    ]
    if traces:
        rules.append(egress([named("tempo", args.monitoring)], OTLP_GRPC))
    return rules


def _scraped(args: NetworkPoliciesArgs) -> Json:
    return ingress([named("prometheus", args.monitoring)], COLLECTOR_METRICS_PORT)


def _agent(args: NetworkPoliciesArgs) -> list[Json]:
    ns = args.agent
    policies = [
        *baseline(ns),
        # 443 is the API server and, on eks, CloudWatch (events, node readiness).
        for_pods(
            agent.CLUSTER_AGENT,
            ns,
            named(agent.CLUSTER_AGENT, ns),
            ingress=[_scraped(args)],
            egress=[*_writes(args, traces=False), api_server()],
        ),
    ]
    if args.fargate:
        prometheus = named("prometheus", args.monitoring)
        fargate_pods = pods(args.app, **FARGATE_LABEL)
        policies += [
            # nodes/proxy: nothing may connect to it; it talks to the API server and Prometheus.
            for_pods(
                agent.FARGATE_SCRAPER,
                ns,
                named(agent.FARGATE_SCRAPER, ns),
                ingress=[],
                egress=[egress([prometheus], PROMETHEUS_PORT), api_server()],
            ),
            # In the app's namespace: Prometheus scrapes the sidecars' own metrics. Fargate
            # enforces no NetworkPolicy; the rule says what is meant where a plugin would.
            for_pods(
                "otel-fargate-sidecar",
                args.app,
                fargate_pods,
                ingress=[ingress([prometheus], COLLECTOR_METRICS_PORT)],
            ),
            for_pods(
                agent.FARGATE_GATEWAY,
                ns,
                named(agent.FARGATE_GATEWAY, ns),
                ingress=[ingress([fargate_pods], OTLP_GRPC, OTLP_HTTP), _scraped(args)],
                # 443: CloudWatch Logs, X-Ray and STS (IRSA); it holds no API token.
                egress=[*_writes(args, traces=True), egress(None, 443)],
            ),
        ]
    return policies


def _node(args: NetworkPoliciesArgs) -> list[Json]:
    """The node agent, a pod on every stack. node-exporter and, on eks, the Container Insights
    DaemonSet are on the host network, where no policy applies; neither takes a connection
    from pods (node-exporter: Prometheus, by port; Container Insights: none)."""
    ns = args.node
    return [
        *baseline(ns),
        for_pods(
            agent.NODE_AGENT,
            ns,
            named(agent.NODE_AGENT, ns),
            ingress=[ingress([pods(args.app)], OTLP_GRPC, OTLP_HTTP), _scraped(args)],
            # 443: the API server and the cloud's APIs (App Insights, CloudWatch).
            egress=[*_writes(args, traces=True), egress(None, KUBELET_PORT), api_server()],
        ),
    ]


def alert_ports(alerting: AlertingConfig) -> tuple[int, ...]:
    """The port Alertmanager's receiver listens on, outside the cluster (none without one)."""
    if alerting.receiver == "webhook" and alerting.webhook_url:
        url = urlsplit(alerting.webhook_url)
        return (url.port or (443 if url.scheme == "https" else 80),)
    if alerting.receiver == "email":
        return (int(alerting.smtp_smarthost.rpartition(":")[2]),)
    return ()


def build(
    config: KitConfig,
    cluster: KitCluster,
    namespaces: tuple[str, str, str, str],
    opts: pulumi.ResourceOptions,
) -> KitNetworkPolicies:
    """The kit namespaces' policies; `namespaces` is (monitoring, agent, node, app)."""
    monitoring, agent_namespace, node, app = namespaces
    return KitNetworkPolicies(
        "network-policies",
        NetworkPoliciesArgs(
            monitoring=monitoring,
            agent=agent_namespace,
            node=node,
            app=app,
            fargate=cluster.has_fargate,
            alert_ports=alert_ports(config.alerting),
        ),
        opts=opts,
    )
