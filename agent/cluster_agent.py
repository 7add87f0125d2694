"""Cluster agent: the single collector for cluster-wide data (Deployment, one replica).

k8s_cluster and k8s_objects report every object of the cluster from every instance, so exactly
one writer must run. One replica with strategy Recreate guarantees that: the old pod is gone
before the new one starts, so even a rollout never has two writers. Leader election
(k8s_leader_elector) would add a lease, its RBAC and a standby pod to buy seconds of failover
that a trial kit does not need; the next pod starts in about the same time.

Fargate's collectors (the kubelet scraper holding nodes/proxy, and the sidecars' OTLP gateway)
are Deployments of their own (agent/fargate_collectors.py): this one keeps only the reads
k8s_cluster and k8s_objects need, accepts no OTLP and has no Service.
Its queue lives on an emptyDir: it survives container restarts, not pod replacement; a PVC would
pin the pod to one zone and outlive `destroy` for little gain in a trial.
"""

from __future__ import annotations

from agent import exporters, presets
from agent.backends import Backends, Cloud, Resources
from agent.collector_config import build_config, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import CONFIG_KEY, collector_pod_spec, config_map, deployment, rbac, service_account
from agent.preset import Json, Preset, combine

CLUSTER_AGENT = "otel-cluster-agent"
DEFAULT_CLUSTER_RESOURCES = Resources(cpu="200m", memory="512Mi")
STATE_SIZE_LIMIT = "1Gi"


def cluster_agent_presets(backends: Backends, cloud: Cloud, resources: Resources) -> list[Preset]:
    """The cluster agent's presets one by one (see node_agent_presets)."""
    parts = [
        presets.base(resources),
        presets.persistent_state({"emptyDir": {"sizeLimit": STATE_SIZE_LIMIT}}),
        presets.cluster_metrics(),
        presets.kubernetes_events(),
        exporters.prometheus(backends),
        exporters.loki(backends),
    ]
    if cloud is Cloud.EKS:
        aws = backends.aws
        parts += [
            exporters.cloudwatch_logs("events", aws, aws.events_log_group, "o11y-kit-events"),
            exporters.node_ready_metric(aws),
        ]
    return parts


def cluster_agent_preset(backends: Backends, cloud: Cloud, resources: Resources) -> Preset:
    return combine(cluster_agent_presets(backends, cloud, resources))


def cluster_agent_config(backends: Backends, cloud: Cloud, resources: Resources) -> Json:
    """The cluster agent's collector config (checked)."""
    backends.require_cloud(cloud)
    preset = cluster_agent_preset(backends, cloud, resources)
    events_out = ["otlp_http/loki"] + (["awscloudwatchlogs/events"] if cloud is Cloud.EKS else [])
    pipelines = {
        "metrics": pipeline(["k8s_cluster"], ["otlp_http/prometheus"]),
        "logs/events": pipeline(["k8s_objects"], events_out),
    }
    if cloud is Cloud.EKS:
        pipelines["metrics/node_ready"] = pipeline(
            ["k8s_cluster"], ["awsemf/node_ready"], ["filter/node_ready", "resource/cloudwatch"]
        )
    return build_config(preset, pipelines)


def cluster_agent_manifests(
    namespace: str,
    backends: Backends,
    cloud: Cloud,
    resources: Resources = DEFAULT_CLUSTER_RESOURCES,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """ServiceAccount (with the IRSA role on eks: it writes events and node readiness to
    CloudWatch), RBAC, ConfigMap and Deployment; no Service: nothing sends to it."""
    cloud = Cloud(cloud)
    rendered = render_config(cluster_agent_config(backends, cloud, resources))
    preset = cluster_agent_preset(backends, cloud, resources)
    role_arn = backends.aws.irsa_role_arn if cloud is Cloud.EKS else None
    pod_spec = collector_pod_spec(CLUSTER_AGENT, image, resources, preset)
    return [
        service_account(CLUSTER_AGENT, namespace, role_arn),
        *rbac(CLUSTER_AGENT, namespace, preset),
        config_map(CLUSTER_AGENT, namespace, {CONFIG_KEY: rendered}),
        deployment(CLUSTER_AGENT, namespace, rendered, pod_spec, recreate=True),
    ]
