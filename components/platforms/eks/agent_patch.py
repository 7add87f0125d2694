"""eks: what the platform adds to the agent (agent/cloud_patch.py): X-Ray, CloudWatch Logs and
the node-readiness metric, each with the pipelines it joins, the IRSA role on the writers'
ServiceAccounts, Container Insights in a DaemonSet of its own (container_insights_agent.py), and
the Fargate collectors where Fargate runs. The node agent stays on the pod network, as on aks and
local: it names per-node log streams from K8S_NODE_NAME and needs nothing from IMDS."""

from __future__ import annotations

from agent import Backends, Resources
from agent import preset_catalog as presets
from agent.cloud_patch import Addition, CloudPatch, ModePatch
from agent.collector_config import pipeline
from components.names import NODE_NAMESPACE
from components.platforms.eks import exporters
from components.platforms.eks.container_insights_agent import container_insights_manifests
from components.platforms.eks.exporters import AwsBackends
from components.platforms.eks.fargate_collectors import fargate_collector_manifests
from components.platforms.eks.fargate_sidecar import fargate_sidecar_manifests

# More memory than the 200Mi default for the CloudWatch Logs and X-Ray exporters next to the
# in-cluster ones (docs/reliability.md, "The node agent's size").
EKS_NODE_RESOURCES = Resources(cpu="200m", memory="256Mi")


def node_patch(aws: AwsBackends) -> ModePatch:
    application_logs = exporters.cloudwatch_logs(
        "application", aws, aws.application_log_group, "${env:K8S_NODE_NAME}"
    )
    return ModePatch(
        additions=(
            Addition(exporters.xray(aws), joins=("traces",)),
            Addition(exporters.node_stream_env()),
            Addition(application_logs, joins=("logs",)),
        ),
        resources=EKS_NODE_RESOURCES,
        service_account_annotations=aws.role_annotations,
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
    node_namespace: str = NODE_NAMESPACE,
) -> CloudPatch:
    """The eks patch; `app_namespace` is where Fargate pods run (None: no Fargate);
    Container Insights runs in `node_namespace`, the only one whose pods may use the host."""
    manifests = container_insights_manifests(node_namespace, aws)
    if app_namespace is not None:
        manifests += [
            *fargate_collector_manifests(agent_namespace, backends, aws),
            *fargate_sidecar_manifests(app_namespace, agent_namespace),
        ]
    return CloudPatch(node=node_patch(aws), cluster=cluster_patch(aws), manifests=tuple(manifests))
