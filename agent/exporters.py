"""Exporter presets: where each signal goes, with the delivery guarantees each exporter offers.

Metrics reach Prometheus through its native OTLP receiver (POST <prometheus>/api/v1/otlp/v1/metrics,
enabled with --web.enable-otlp-receiver) rather than prometheusremotewrite: one protocol for every
backend, resource attributes kept (promotable to labels), no extra exporter that is itself
being renamed upstream, and the OTLP exporter's persistent queue applies as for traces and logs.

Exporters built on the collector's exporterhelper get retry_on_failure and a sending queue kept in
file_storage, so an outage or restart loses nothing until the queue is full. awsemf and awsxray
expose no queue settings (they retry internally, `max_retries`); the kit lives with that for the
few node-level metrics and traces they carry, and says so rather than configuring keys the
collector would reject.
"""

from __future__ import annotations

from agent.backends import AwsBackends, AzureBackends, Backends
from agent.preset import Json, Preset, field_env

QUEUE_STORAGE = "file_storage"

# Retry until the persistent queue is full instead of dropping after 5 minutes (default).
RETRY_FOREVER = {
    "enabled": True,
    "initial_interval": "5s",
    "max_interval": "60s",
    "max_elapsed_time": "0s",
}


def persistent_queue(consumers: int = 4) -> Json:
    return {
        "enabled": True,
        "num_consumers": consumers,
        "queue_size": 1000,
        "storage": QUEUE_STORAGE,
    }


def _reliable(config: Json, consumers: int = 4) -> Json:
    return {
        **config,
        "retry_on_failure": RETRY_FOREVER,
        "sending_queue": persistent_queue(consumers),
    }


def prometheus(backends: Backends) -> Preset:
    return Preset(
        exporters={"otlp_http/prometheus": _reliable({"endpoint": backends.prometheus_otlp_url})}
    )


def loki(backends: Backends) -> Preset:
    return Preset(exporters={"otlp_http/loki": _reliable({"endpoint": backends.loki_otlp_url})})


def trace_backend(backends: Backends) -> Preset:
    config = {"endpoint": backends.trace_otlp_grpc_endpoint, "tls": {"insecure": True}}
    return Preset(exporters={"otlp_grpc/traces": _reliable(config)})


def gateway(endpoint: str) -> Preset:
    """The Fargate sidecar's only exporter: the cluster agent, which holds the credentials."""
    config = {"endpoint": endpoint, "tls": {"insecure": True}}
    return Preset(exporters={"otlp_grpc/gateway": _reliable(config)})


APP_INSIGHTS_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING"


def app_insights(azure: AzureBackends) -> Preset:
    """Traces to Application Insights. Container logs are not sent: on AKS the Container
    Insights add-on already ships them to Log Analytics, and twice would be billed twice."""
    secret = {"name": azure.connection_string_secret, "key": azure.connection_string_key}
    return Preset(
        exporters={
            "azuremonitor": {
                "connection_string": f"${{env:{APP_INSIGHTS_ENV}}}",
                "sending_queue": persistent_queue(),
            }
        },
        env=({"name": APP_INSIGHTS_ENV, "valueFrom": {"secretKeyRef": secret}},),
    )


def xray(aws: AwsBackends) -> Preset:
    return Preset(exporters={"awsxray": {"region": aws.region}})


def cloudwatch_logs(name: str, aws: AwsBackends, log_group: str, log_stream: str) -> Preset:
    """One CloudWatch Logs destination. A single consumer keeps each stream in order."""
    config = {"region": aws.region, "log_group_name": log_group, "log_stream_name": log_stream}
    return Preset(exporters={f"awscloudwatchlogs/{name}": _reliable(config, consumers=1)})


def node_stream_env() -> Preset:
    """K8S_NODE_NAME, used to name per-node CloudWatch log streams."""
    return Preset(env=(field_env("K8S_NODE_NAME", "spec.nodeName"),))


# CloudWatch metric for the node-NotReady alarm (the Alerts component reads these constants).
NODE_READY_NAMESPACE = "O11yKit/Kubernetes"
NODE_READY_METRIC = "k8s.node.condition_ready"
NODE_READY_DIMENSIONS = (("ClusterName", "NodeName"), ("ClusterName",))


def node_ready_metric(aws: AwsBackends) -> Preset:
    """k8s.node.condition_ready (1 ready, 0 not ready, -1 unknown) per node and per cluster, so
    a CloudWatch alarm on Minimum < 1 fires for any NotReady or silent node. Only this one
    metric is declared: each metric x dimension set is a custom metric billed per month."""
    return Preset(
        processors={
            "filter/node_ready": {
                "error_mode": "ignore",
                # OTTL metric_conditions (the `metrics: metric:` form is deprecated): drop all
                # but the Ready condition.
                "metric_conditions": [f'metric.name != "{NODE_READY_METRIC}"'],
            },
            "resource/cloudwatch": {
                "attributes": [
                    {"key": "ClusterName", "value": aws.cluster_name, "action": "upsert"},
                    {"key": "NodeName", "from_attribute": "k8s.node.name", "action": "upsert"},
                ]
            },
        },
        exporters={
            "awsemf/node_ready": {
                "region": aws.region,
                "namespace": NODE_READY_NAMESPACE,
                "log_group_name": aws.performance_log_group,
                "log_stream_name": "o11y-kit-node-ready",
                "resource_to_telemetry_conversion": {"enabled": True},
                "dimension_rollup_option": "NoDimensionRollup",
                "metric_declarations": [
                    {
                        "dimensions": [list(d) for d in NODE_READY_DIMENSIONS],
                        "metric_name_selectors": ["^k8s\\.node\\.condition_ready$"],
                    }
                ],
            }
        },
    )
