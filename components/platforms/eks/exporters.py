"""eks: where the collectors write in AWS (CloudWatch Logs, EMF metrics, X-Ray), as presets.

Pure Python, like agent/: the Workspace fills AwsBackends in and agent_patch.py says which
pipelines each exporter joins. Delivery guarantees per exporter: agent/exporters.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.exporters import reliable
from agent.preset import Preset, field_env
from components.platforms.eks.log_groups import log_group

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class AwsBackends:
    """CloudWatch (EMF metrics, Logs) and X-Ray. Log groups are created by the stack with a
    retention, so `destroy` removes them; the exporters only write into them."""

    region: str
    cluster_name: str
    application_log_group: str
    events_log_group: str
    irsa_role_arn: str | None = None

    @property
    def performance_log_group(self) -> str:
        return log_group("performance", self.cluster_name)

    @property
    def role_annotations(self) -> dict[str, str]:
        """The ServiceAccount annotation that lets a collector write with the IRSA role."""
        return {IRSA_ANNOTATION: self.irsa_role_arn} if self.irsa_role_arn else {}


# X-Ray's OTLP endpoint (CloudWatch docs, "OTLP Endpoints"): HTTP only, SigV4 by the
# collector's sigv4auth extension, gzip or none, at most 10,000 spans and 5 MB uncompressed per
# request (the queue's batches hold at most QUEUE_BATCH max_size spans). It needs Transaction
# Search in the account (workspace.py enables it).
XRAY_EXPORTER = "otlp_http/xray"
XRAY_AUTH = "sigv4auth"
XRAY_SIGNING_SERVICE = "xray"


def xray_traces_endpoint(region: str) -> str:
    return f"https://xray.{region}.amazonaws.com/v1/traces"


def xray(aws: AwsBackends) -> Preset:
    """Spans to X-Ray over OTLP/HTTP, signed with the pod's IRSA credentials, through the same
    persistent queue as the other OTLP exporters."""
    exporter = {
        "traces_endpoint": xray_traces_endpoint(aws.region),
        "auth": {"authenticator": XRAY_AUTH},
    }
    return Preset(
        extensions={XRAY_AUTH: {"region": aws.region, "service": XRAY_SIGNING_SERVICE}},
        exporters={XRAY_EXPORTER: reliable(exporter)},
    )


def cloudwatch_logs(name: str, aws: AwsBackends, log_group: str, log_stream: str) -> Preset:
    """One CloudWatch Logs destination. A single consumer keeps each stream in order."""
    config = {"region": aws.region, "log_group_name": log_group, "log_stream_name": log_stream}
    return Preset(exporters={f"awscloudwatchlogs/{name}": reliable(config, consumers=1)})


def node_stream_env() -> Preset:
    """K8S_NODE_NAME, used to name per-node CloudWatch log streams."""
    return Preset(env=(field_env("K8S_NODE_NAME", "spec.nodeName"),))


# CloudWatch metric for the node-NotReady alarm (the Alerts component reads these constants).
NODE_READY_NAMESPACE = "O11yKit/Kubernetes"
NODE_READY_METRIC = "k8s.node.condition_ready"
# Cluster-wide only: a per-node set would bill a custom metric per node that nothing reads;
# each EMF event keeps NodeName as a field for Logs Insights.
NODE_READY_DIMENSIONS = (("ClusterName",),)


def node_ready_metric(aws: AwsBackends) -> Preset:
    """k8s.node.condition_ready (1 ready, 0 not ready, -1 unknown) of every node into one
    cluster-wide series, whose Minimum < 1 means some node is not Ready. Only this metric is
    declared: each is billed per month."""
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
