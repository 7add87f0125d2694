"""eks: what the platform adds to the agent (agent/cloud_patch.py): X-Ray, CloudWatch Logs,
Container Insights and the node-readiness metric, each with the pipelines it joins, the IRSA
role on the writers' ServiceAccounts, and the Fargate collectors where Fargate runs."""

from __future__ import annotations

from agent import Backends, Resources
from agent import preset_catalog as presets
from agent.cloud_patch import Addition, CloudPatch, ModePatch
from agent.collector_config import pipeline
from components.platforms.eks import exporters
from components.platforms.eks.container_insights import (
    CONTAINER_INSIGHTS_RECEIVER,
    container_insights,
)
from components.platforms.eks.exporters import AwsBackends
from components.platforms.eks.fargate_collectors import fargate_collector_manifests
from components.platforms.eks.fargate_sidecar import fargate_sidecar_manifests

# ADOT's DaemonSet runs the Container Insights receiver alone in 200m / 200Mi
# (docs/agent_facts.md); more memory for the kit's other pipelines (docs/reliability.md).
EKS_NODE_RESOURCES = Resources(cpu="200m", memory="256Mi")
# Container Insights reads the instance from IMDS only (opentelemetry-collector-contrib #31511,
# aws-otel-collector #1202), which answers one hop away, so the node agent is on the host network
# (ClusterFirstWithHostNet keeps cluster DNS for the Services it exports to).
EKS_HOST_NETWORK = {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}


def node_patch(aws: AwsBackends) -> ModePatch:
    application_logs = exporters.cloudwatch_logs(
        "application", aws, aws.application_log_group, "${env:K8S_NODE_NAME}"
    )
    insights = pipeline([CONTAINER_INSIGHTS_RECEIVER], ["awsemf/containerinsights"])
    return ModePatch(
        additions=(
            Addition(exporters.xray(aws), joins=("traces",)),
            Addition(exporters.node_stream_env()),
            Addition(application_logs, joins=("logs",)),
            Addition(container_insights(aws), pipelines={"metrics/containerinsights": insights}),
        ),
        resources=EKS_NODE_RESOURCES,
        service_account_annotations=aws.role_annotations,
        pod_spec=EKS_HOST_NETWORK,
    )


def cluster_patch(aws: AwsBackends) -> ModePatch:
    events = exporters.cloudwatch_logs("events", aws, aws.events_log_group, "o11y-kit-events")
    node_ready = pipeline(
        ["k8s_cluster"], ["awsemf/node_ready"], ["filter/node_ready", "resource/cloudwatch"]
    )
    return ModePatch(
        additions=(
            Addition(events, joins=("logs/events",)),
            # k8s_cluster for the alarm alone: Prometheus has the condition from kube-state-metrics.
            Addition(presets.cluster_metrics()),
            Addition(
                exporters.node_ready_metric(aws), pipelines={"metrics/node_ready": node_ready}
            ),
        ),
        service_account_annotations=aws.role_annotations,
    )


def cloud_patch(
    aws: AwsBackends,
    backends: Backends,
    agent_namespace: str,
    app_namespace: str | None,
) -> CloudPatch:
    """The eks patch; `app_namespace` is where Fargate pods run (None: no Fargate)."""
    fargate = ()
    if app_namespace is not None:
        fargate = (
            *fargate_collector_manifests(agent_namespace, backends, aws),
            *fargate_sidecar_manifests(app_namespace, agent_namespace),
        )
    return CloudPatch(node=node_patch(aws), cluster=cluster_patch(aws), manifests=fargate)
