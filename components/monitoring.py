"""In-cluster monitoring: Prometheus, Alertmanager, Grafana (kube-prometheus-stack), Tempo for
traces and Loki for logs, so even the `local` stack shows all three signals by itself."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from agent.labels import kit_labels
from agent.quantities import gomemlimit
from components import chart_security, images, k8s_objects, monitoring_sizes, options, versions
from components.alertmanager_config import AlertReceiver, ReceiverKind, alertmanager_values
from components.generated_password import GeneratedPassword
from components.monitoring_content import MonitoringContent, MonitoringContentArgs
from components.names import (
    ALERTMANAGER_PORT,
    ALERTMANAGER_SERVICE,
    GRAFANA_ADMIN_SECRET,
    GRAFANA_SERVICE,
    GRAFANA_SERVICE_PORT,
    KPS_RELEASE,
    LOKI_PORT,
    LOKI_SERVICE,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
    TEMPO_PORT,
    TEMPO_SERVICE,
)
from components.settings import AlertingConfig, KitConfig

ALERT_RECEIVER_SECRET = "alertmanager-receiver"
NO_RECEIVER = AlertReceiver()  # alerts stay in the Alertmanager UI
RETENTION = "3d"  # a trial: a few days of history, bounded disk
PROMETHEUS_RETENTION_SIZE = "4GB"
# How far behind a series' newest sample a replayed one may still be stored (the Prometheus
# guide's example value); older ones, after a longer outage, are rejected and counted.
OUT_OF_ORDER_WINDOW = "30m"


@dataclass(frozen=True)
class Endpoints:
    """In-cluster addresses of the backends, for the agent and the walkthrough."""

    namespace: str

    def _svc(self, name: str, port: int) -> str:
        return f"http://{name}.{self.namespace}.svc.cluster.local:{port}"

    @property
    def prometheus(self) -> str:
        return self._svc(PROMETHEUS_SERVICE, PROMETHEUS_PORT)

    @property
    def prometheus_otlp(self) -> str:
        """Prometheus' native OTLP receiver (base URL for the collector's otlphttp exporter)."""
        return f"{self.prometheus}/api/v1/otlp"

    @property
    def alertmanager(self) -> str:
        return self._svc(ALERTMANAGER_SERVICE, ALERTMANAGER_PORT)

    grafana_service = GRAFANA_SERVICE

    @property
    def grafana(self) -> str:
        return self._svc(self.grafana_service, GRAFANA_SERVICE_PORT)

    @property
    def loki(self) -> str:
        return self._svc(LOKI_SERVICE, LOKI_PORT)

    @property
    def loki_otlp(self) -> str:
        """Loki's native OTLP endpoint (base URL for the collector's otlphttp exporter)."""
        return f"{self.loki}/otlp"

    @property
    def tempo(self) -> str:
        return self._svc(TEMPO_SERVICE, TEMPO_PORT)

    @property
    def tempo_otlp_grpc(self) -> str:
        return f"{TEMPO_SERVICE}.{self.namespace}.svc.cluster.local:4317"


@dataclass(frozen=True)
class MonitoringArgs:
    """Where monitoring goes and what kind of cluster it watches."""

    namespace: str
    app_namespace: str  # named in the sample app's alerts
    agent_namespace: str  # whose collectors the agent rules and PodMonitors watch
    node_namespace: str  # the privileged one where node-exporter runs (host network and PID)
    fargate: bool = False  # eks's Fargate collectors run (their gateway is scraped)
    alert_receiver: AlertReceiver = NO_RECEIVER
    # Secret values of the receiver (SECRET_KEYS of alertmanager_config), kept in a Secret.
    alert_secrets: dict[str, pulumi.Input[str]] | None = None
    chart_cache: str | None = None  # the checked packages to install (components/settings)


class Monitoring(pulumi.ComponentResource):
    """kube-prometheus-stack, Loki (single binary, filesystem) and Tempo (single binary, with
    the metrics generator feeding Grafana's service graph), each a pinned Helm release."""

    grafana_password: pulumi.Output[str]
    endpoints: Endpoints

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:monitoring:Monitoring", name, None, opts)
        child = options.children(self, opts)
        namespace = args.namespace
        self.endpoints = Endpoints(namespace)
        password = GeneratedPassword(f"{name}-grafana-password", length=24, opts=child)
        self.grafana_password = pulumi.Output.secret(password.result)
        secret = k8s.core.v1.Secret(
            f"{name}-grafana-admin",
            metadata={
                "name": GRAFANA_ADMIN_SECRET,
                "namespace": namespace,
                "labels": kit_labels("grafana", "monitoring"),
            },
            string_data={"admin-user": "admin", "admin-password": self.grafana_password},
            type="Opaque",
            opts=child,
        )
        # Grafana's sidecars read ConfigMaps only; the chart makes no RBAC (chart_security).
        grafana_rbac = [
            k8s_objects.create(obj, child) for obj in chart_security.grafana_rbac(namespace)
        ]
        receiver_secret = (
            [_receiver_secret(name, namespace, args.alert_secrets, child)]
            if args.alert_secrets
            else []
        )
        cache = args.chart_cache
        _release(f"{name}-loki", versions.LOKI_CHART, cache, namespace, loki_values(), child)
        _release(
            f"{name}-tempo",
            versions.TEMPO_CHART,
            cache,
            namespace,
            tempo_values(self.endpoints),
            child,
        )
        self.stack = _release(
            f"{name}-kps",
            versions.KUBE_PROMETHEUS_STACK_CHART,
            cache,
            namespace,
            kube_prometheus_stack_values(self.endpoints, args.alert_receiver, args.node_namespace),
            # Not on Loki and Tempo: Grafana's datasources are URLs it tries when queried, so
            # waiting for those releases would only lengthen every `up`.
            child.merge(
                pulumi.ResourceOptions(depends_on=[secret, *grafana_rbac, *receiver_secret])
            ),
        )
        self.content = MonitoringContent(
            f"{name}-content",
            MonitoringContentArgs(
                namespace=namespace,
                stack=self.stack,
                app_namespace=args.app_namespace,
                agent_namespace=args.agent_namespace,
                node_namespace=args.node_namespace,
                fargate=args.fargate,
            ),
            opts=child,
        )
        self.register_outputs(
            {"grafana_password": self.grafana_password, "grafana": self.endpoints.grafana}
        )


def _receiver_secret(
    name: str,
    namespace: str,
    values: dict[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Secret:
    """The receiver's secret values, mounted by Alertmanager, never in the Helm values."""
    return k8s.core.v1.Secret(
        f"{name}-alert-receiver",
        metadata={
            "name": ALERT_RECEIVER_SECRET,
            "namespace": namespace,
            "labels": kit_labels("alertmanager", "monitoring"),
        },
        string_data={key: pulumi.Output.secret(value) for key, value in values.items()},
        type="Opaque",
        opts=opts,
    )


def alert_receiver(alerting: AlertingConfig) -> tuple[AlertReceiver, dict[str, str] | None]:
    """Alertmanager's receiver from config, and the secret values its Secret must hold."""
    kind = ReceiverKind(alerting.receiver)
    if kind is ReceiverKind.NONE:
        return NO_RECEIVER, None
    if kind is ReceiverKind.WEBHOOK:
        return AlertReceiver(kind, ALERT_RECEIVER_SECRET), {"url": alerting.webhook_url or ""}
    receiver = AlertReceiver(
        kind,
        ALERT_RECEIVER_SECRET,
        email_to=", ".join(alerting.emails),
        email_from=alerting.smtp_from,
        smtp_smarthost=alerting.smtp_smarthost,
        smtp_username=alerting.smtp_username,
    )
    return receiver, {"smtp-password": alerting.smtp_password or ""}


def build(
    config: KitConfig, namespaces: tuple[str, str, str, str], opts: pulumi.ResourceOptions
) -> Monitoring:
    """The stack's monitoring; `namespaces` is (monitoring, app, agent, node)."""
    monitoring_ns, app_ns, agent_ns, node_ns = namespaces
    receiver, secrets = alert_receiver(config.alerting)
    return Monitoring(
        "monitoring",
        MonitoringArgs(
            namespace=monitoring_ns,
            app_namespace=app_ns,
            agent_namespace=agent_ns,
            node_namespace=node_ns,
            fargate=bool(config.cluster.fargate_tiers),  # eks places tiers on Fargate
            alert_receiver=receiver,
            alert_secrets=secrets,
            chart_cache=config.chart_cache,
        ),
        opts=opts,
    )


def _release(
    name: str,
    chart: versions.Chart,
    cache: str | None,
    namespace: str,
    values: dict,
    opts: pulumi.ResourceOptions,
) -> k8s.helm.v3.Release:
    # A local package by absolute path needs no repository (pulumi-kubernetes Release docs,
    # "Local Chart Directory"); its subcharts are inside the package. Never the repository: the
    # package is the pinned, sha256-checked one the plan rendered (components/settings).
    if not cache:
        raise ValueError(f"no chart cache to install {chart.package} from (KIT_CHART_CACHE)")
    source = {"chart": f"{cache}/{chart.package}"}
    return k8s.helm.v3.Release(
        name,
        name=chart.release,
        version=chart.version,
        **source,
        namespace=namespace,
        values=values,
        timeout=900,
        opts=opts,
    )


# Control-plane parts no stack can scrape (hidden on AKS/EKS, on 127.0.0.1 under kubeadm, inside
# the k3s process): left on, they raise Kube*Down on a healthy cluster.
UNREACHABLE_CONTROL_PLANE = ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy")


def kube_prometheus_stack_values(
    endpoints: Endpoints, receiver: AlertReceiver = NO_RECEIVER, node_namespace: str = ""
) -> dict:
    """Prometheus sized for a 2-3 node trial, with its OTLP receiver; node-exporter alone in
    `node_namespace` (it needs the host), the rest hardened (components/chart_security.py)."""
    alerting = alertmanager_values(receiver)
    values = {
        "fullnameOverride": KPS_RELEASE,
        **{part: {"enabled": False} for part in UNREACHABLE_CONTROL_PLANE},
        # The operator's kubelet Service has no owner and outlives helm uninstall
        # (prometheus-operator pkg/kubelet/controller.go): in the kit's namespace it goes too.
        "prometheusOperator": {"kubeletService": {"namespace": endpoints.namespace}},
        "kubelet": {"namespace": endpoints.namespace},
        "prometheus": {
            "prometheusSpec": {
                "retention": RETENTION,
                "retentionSize": PROMETHEUS_RETENTION_SIZE,
                # The agent pushes OTLP; Tempo's metrics generator remote-writes service graphs.
                "enableOTLPReceiver": True,
                "otlp": {
                    "promoteResourceAttributes": [
                        "k8s.cluster.name",
                        "k8s.namespace.name",
                        "k8s.node.name",
                        "k8s.pod.name",
                        "k8s.container.name",
                        "k8s.deployment.name",
                        "k8s.daemonset.name",
                    ],
                },
                "enableRemoteWriteReceiver": True,
                # Replayed queues and parallel consumers deliver samples out of order (Prometheus
                # guide "Using Prometheus as your OpenTelemetry backend", out-of-order ingestion).
                "tsdb": {"outOfOrderTimeWindow": OUT_OF_ORDER_WINDOW},
                # Pick up the kit's rules and monitors whatever their labels.
                "ruleSelectorNilUsesHelmValues": False,
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
            }
        },
        "alertmanager": {
            "config": alerting["config"],
            "alertmanagerSpec": alerting.get("alertmanagerSpec", {}),
        },
        "grafana": {
            "admin": {
                "existingSecret": GRAFANA_ADMIN_SECRET,
                "userKey": "admin-user",
                "passwordKey": "admin-password",
            },
            "service": {"type": "ClusterIP"},
            "additionalDataSources": grafana_datasources(endpoints),
        },
    }
    values = chart_security.deep_merge(values, images.kube_prometheus_stack_images())
    values = chart_security.deep_merge(values, monitoring_sizes.kube_prometheus_stack())
    return chart_security.harden_kube_prometheus_stack(values, endpoints.namespace, node_namespace)


def grafana_datasources(endpoints: Endpoints) -> list[dict]:
    """Tempo and Loki next to the chart's Prometheus datasource, linked both ways: a span opens
    its logs (by trace id), a log line opens its trace."""
    return [
        {
            "name": "Tempo",
            "uid": "tempo",
            "type": "tempo",
            "access": "proxy",
            "url": endpoints.tempo,
            "jsonData": {
                "tracesToLogsV2": {
                    "datasourceUid": "loki",
                    "filterByTraceID": True,
                    "spanStartTimeShift": "-5m",
                    "spanEndTimeShift": "5m",
                    "customQuery": False,
                },
                "serviceMap": {"datasourceUid": "prometheus"},
                "nodeGraph": {"enabled": True},
                "lokiSearch": {"datasourceUid": "loki"},
            },
        },
        {
            "name": "Loki",
            "uid": "loki",
            "type": "loki",
            "access": "proxy",
            "url": endpoints.loki,
            "jsonData": {
                "derivedFields": [
                    {
                        # OTLP logs keep the trace id as structured metadata `trace_id`.
                        "name": "trace_id",
                        "matcherType": "label",
                        "matcherRegex": "trace_id",
                        "datasourceUid": "tempo",
                        "url": "$${__value.raw}",
                        "urlDisplayLabel": "Open trace",
                    }
                ]
            },
        },
    ]


def loki_values() -> dict:
    """Single binary on the pod's filesystem, bounded retention; OTLP needs structured metadata."""
    values = {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2024-04-01",
                        "store": "tsdb",
                        "object_store": "filesystem",
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {
                "retention_period": "72h",
                "allow_structured_metadata": True,
                "volume_enabled": True,
            },
            "compactor": {"retention_enabled": True, "delete_request_store": "filesystem"},
        },
        "singleBinary": {
            "replicas": 1,
            # emptyDir: EKS has no default CSI driver for PVCs, and a trial's logs may go with
            # the pod; retention_period bounds what one pod keeps.
            "persistence": {"enabled": False},
            "resources": monitoring_sizes.LOKI,
        },
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "gateway": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        **chart_security.loki_without_rules_sidecar(),
    }
    return chart_security.deep_merge(values, images.loki_images())


def tempo_values(endpoints: Endpoints) -> dict:
    """Single binary receiving OTLP, with the metrics generator writing service-graph and span
    metrics into Prometheus (Grafana's service map reads them)."""
    values = {
        "tempo": {
            "retention": "72h",
            "reportingEnabled": False,
            "receivers": {
                "otlp": {
                    "protocols": {
                        "grpc": {"endpoint": "0.0.0.0:4317"},
                        "http": {"endpoint": "0.0.0.0:4318"},
                    }
                }
            },
            "metricsGenerator": {
                "enabled": True,
                "remoteWriteUrl": f"{endpoints.prometheus}/api/v1/write",
            },
            "overrides": {
                "defaults": {
                    "metrics_generator": {"processors": ["service-graphs", "span-metrics"]}
                }
            },
            # The chart's default 1 GiB ballast alone would fill the limit; GOMEMLIMIT makes
            # the Go GC work harder before the kernel's OOM killer acts instead.
            "memBallastSizeMbs": 0,
            "extraEnv": [
                {"name": "GOMEMLIMIT", "value": gomemlimit(monitoring_sizes.TEMPO_MEMORY_LIMIT)}
            ],
            "resources": monitoring_sizes.TEMPO,
        },
        "persistence": {"enabled": False},
    }
    values = chart_security.deep_merge(values, images.tempo_images())
    return chart_security.deep_merge(values, chart_security.tempo_storage())
