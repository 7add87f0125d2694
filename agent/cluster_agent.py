"""Cluster agent: the single collector for cluster-wide data (Deployment, one replica): the
Kubernetes events, and what a platform adds (eks: the node Ready condition for its alarm). The
workload state reaches Prometheus from kube-state-metrics, one source per signal (docs/design.md).

k8s_cluster and k8s_objects report every object from every instance, so exactly one writer may
run: one replica with strategy Recreate, rather than leader election (k8s_leader_elector), whose
lease, RBAC and standby pod buy failover a trial does not need. It accepts no OTLP and has no
Service (Fargate's collectors are their own Deployments). Its queue is on an emptyDir: a PVC
would pin the pod to one zone and outlive `destroy`.
"""

from __future__ import annotations

from agent import exporters
from agent import preset_catalog as presets
from agent.backends import Backends, Resources
from agent.cloud_patch import ModePatch
from agent.collector_config import build_config, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import CONFIG_KEY, collector_pod_spec, config_map, deployment, rbac, service_account
from agent.preset import Json, Preset, combine

CLUSTER_AGENT = "otel-cluster-agent"
DEFAULT_CLUSTER_RESOURCES = Resources(cpu="200m", memory="512Mi")
STATE_SIZE_LIMIT = "1Gi"


def cluster_agent_presets(
    backends: Backends, patch: ModePatch, resources: Resources
) -> list[Preset]:
    """The cluster agent's presets one by one (see node_agent_presets)."""
    return [
        presets.base(resources),
        presets.persistent_state({"emptyDir": {"sizeLimit": STATE_SIZE_LIMIT}}),
        presets.kubernetes_events(),
        exporters.loki(backends),
        *patch.presets(),
    ]


def cluster_agent_preset(backends: Backends, patch: ModePatch, resources: Resources) -> Preset:
    return combine(cluster_agent_presets(backends, patch, resources))


def cluster_agent_config(backends: Backends, patch: ModePatch, resources: Resources) -> Json:
    """The cluster agent's collector config (checked)."""
    preset = cluster_agent_preset(backends, patch, resources)
    exporters_of = patch.pipelines({"logs/events": ["otlp_http/loki"]})
    pipelines = {"logs/events": pipeline(["k8s_objects"], exporters_of["logs/events"])}
    return build_config(preset, {**pipelines, **patch.own_pipelines()})


def cluster_agent_manifests(
    namespace: str,
    backends: Backends,
    patch: ModePatch | None = None,
    resources: Resources | None = None,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """ServiceAccount (annotated as the patch says, e.g. with the cloud role it writes events
    with), RBAC, ConfigMap and Deployment; no Service: nothing sends to it."""
    patch = patch or ModePatch()
    resources = resources or patch.resources or DEFAULT_CLUSTER_RESOURCES
    rendered = render_config(cluster_agent_config(backends, patch, resources))
    preset = cluster_agent_preset(backends, patch, resources)
    pod_spec = collector_pod_spec(CLUSTER_AGENT, image, resources, preset)
    return [
        service_account(CLUSTER_AGENT, namespace, patch.service_account_annotations),
        *rbac(CLUSTER_AGENT, namespace, preset),
        config_map(CLUSTER_AGENT, namespace, {CONFIG_KEY: rendered}),
        deployment(CLUSTER_AGENT, namespace, rendered, pod_spec, recreate=True),
    ]
