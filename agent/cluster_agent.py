"""Cluster agent: the single collector for cluster-wide data (Deployment, one replica).

k8s_cluster and k8s_objects report every object of the cluster from every instance, so exactly
one writer must run. One replica with strategy Recreate guarantees that: the old pod is gone
before the new one starts, so even a rollout never has two writers. Leader election
(k8s_leader_elector) would add a lease, its RBAC and a standby pod to buy seconds of failover
that a trial kit does not need; the next pod starts in about the same time.

With Fargate (EKS) it also scrapes every Fargate node's cAdvisor through the API server, so this
service account is the only one holding nodes/proxy, and it is the OTLP gateway of the Fargate
sidecars, so cloud credentials (IRSA) stay on collector service accounts, never on app pods.
Its queue lives on an emptyDir: it survives container restarts, not pod replacement; a PVC would
pin the pod to one zone and outlive `destroy` for little gain in a trial.
"""

from __future__ import annotations

from agent import exporters, presets
from agent.backends import Backends, Cloud, Resources
from agent.collector_config import build_config, config_checksum, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import (
    CONFIG_KEY,
    collector_pod_spec,
    config_map,
    metadata,
    otlp_service,
    pod_template,
    rbac,
    selector_labels,
    service_account,
)
from agent.preset import Json, Preset, combine, field_env

CLUSTER_AGENT = "otel-cluster-agent"
DEFAULT_CLUSTER_RESOURCES = Resources(cpu="200m", memory="512Mi")
STATE_SIZE_LIMIT = "1Gi"


def gateway_endpoint(agent_namespace: str) -> str:
    """Where Fargate sidecars send OTLP (gRPC)."""
    return f"{CLUSTER_AGENT}.{agent_namespace}.svc.cluster.local:4317"


def _check_fargate(cloud: Cloud, fargate: bool) -> None:
    if fargate and cloud is not Cloud.EKS:
        raise ValueError(f"Fargate exists only on EKS, not on cloud {cloud.value!r}")


def cluster_agent_preset(
    backends: Backends, cloud: Cloud, fargate: bool, resources: Resources
) -> Preset:
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
    if fargate:
        aws = backends.aws
        parts += [
            presets.fargate_kubelet_metrics(),
            presets.otlp("${env:MY_POD_IP}"),
            exporters.trace_backend(backends),
            exporters.xray(aws),
            exporters.cloudwatch_logs(
                "application", aws, aws.application_log_group, "fargate-${env:K8S_POD_NAME}"
            ),
            Preset(env=(field_env("K8S_POD_NAME", "metadata.name"),)),
        ]
    return combine(parts)


def cluster_agent_config(
    backends: Backends, cloud: Cloud, fargate: bool, resources: Resources
) -> Json:
    """The cluster agent's collector config (checked)."""
    backends.require_cloud(cloud)
    _check_fargate(cloud, fargate)
    preset = cluster_agent_preset(backends, cloud, fargate, resources)
    metrics_in = ["k8s_cluster"] + (["prometheus/fargate", "otlp"] if fargate else [])
    events_out = ["otlp_http/loki"] + (["awscloudwatchlogs/events"] if cloud is Cloud.EKS else [])
    pipelines = {
        "metrics": pipeline(metrics_in, ["otlp_http/prometheus"]),
        "logs/events": pipeline(["k8s_objects"], events_out),
    }
    if cloud is Cloud.EKS:
        pipelines["metrics/node_ready"] = pipeline(
            ["k8s_cluster"], ["awsemf/node_ready"], ["filter/node_ready", "resource/cloudwatch"]
        )
    if fargate:
        pipelines["traces"] = pipeline(["otlp"], ["otlp_grpc/traces", "awsxray"])
        pipelines["logs"] = pipeline(["otlp"], ["otlp_http/loki", "awscloudwatchlogs/application"])
    return build_config(preset, pipelines)


def cluster_agent_manifests(
    namespace: str,
    backends: Backends,
    cloud: Cloud,
    fargate: bool,
    resources: Resources = DEFAULT_CLUSTER_RESOURCES,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """ServiceAccount, RBAC, ConfigMap, Deployment, and (with Fargate) the gateway Service."""
    cloud = Cloud(cloud)
    config = cluster_agent_config(backends, cloud, fargate, resources)
    rendered = render_config(config)
    preset = cluster_agent_preset(backends, cloud, fargate, resources)
    role_arn = backends.aws.irsa_role_arn if cloud is Cloud.EKS else None
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(CLUSTER_AGENT, namespace),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector_labels(CLUSTER_AGENT)},
            "template": pod_template(
                CLUSTER_AGENT,
                config_checksum(rendered),
                collector_pod_spec(CLUSTER_AGENT, image, resources, preset),
            ),
        },
    }
    manifests = [
        service_account(CLUSTER_AGENT, namespace, role_arn),
        *rbac(CLUSTER_AGENT, namespace, preset),
        config_map(CLUSTER_AGENT, namespace, {CONFIG_KEY: rendered}),
        deployment,
    ]
    if fargate:
        manifests.append(otlp_service(CLUSTER_AGENT, namespace, node_local=False))
    return manifests
