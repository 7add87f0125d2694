"""eks: Container Insights in a DaemonSet of its own, the kit's only collector on the host network.

The awscontainerinsight receiver takes the instance's id, type and address from IMDS only
(opentelemetry-collector-contrib #31511 and its PR #31513 for a Kubernetes-API source, both closed
unmerged; #45201, still open; aws-otel-collector #1202), and IMDSv2 answers one hop away with the
launch template's hop limit 1 (cluster.py), so the receiver must share the node's network.
Everything else (OTLP, logs, the in-cluster backends) stays in the node agent on the pod network,
where NetworkPolicies tell it apart from every other pod.

This collector only writes to CloudWatch (awsemf): no port is reachable (health and self-metrics
on the loopback), it needs no ingress, and no backend admits node addresses, so it has no path to
them. Sized as ADOT's Container Insights DaemonSet (docs/agent_facts.md §5).
"""

from __future__ import annotations

from agent import preset_catalog as presets
from agent.backends import Resources
from agent.collector_config import build_config, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import (
    CONFIG_KEY,
    config_map,
    daemon_set,
    rbac,
    service_account,
)
from agent.node_agent import node_pod_spec
from agent.preset import Json, Preset, combine
from agent.preset_catalog import LOOPBACK
from components.platforms.eks.container_insights import (
    CONTAINER_INSIGHTS_RECEIVER,
    container_insights,
)
from components.platforms.eks.exporters import AwsBackends

CONTAINER_INSIGHTS_AGENT = "otel-container-insights"
CONTAINER_INSIGHTS_RESOURCES = Resources(cpu="200m", memory="200Mi")
# The node's resolver, not CoreDNS: it resolves the CloudWatch endpoint, and this pod needs
# nothing from the cluster's DNS (the API server is reached by the Service IP in its env).
HOST_NETWORK = {"hostNetwork": True, "dnsPolicy": "Default"}


def container_insights_preset(aws: AwsBackends, resources: Resources) -> Preset:
    return combine([presets.base(resources, listen=LOOPBACK), container_insights(aws)])


def container_insights_config(
    aws: AwsBackends, resources: Resources = CONTAINER_INSIGHTS_RESOURCES
) -> Json:
    """The DaemonSet's collector config (checked): one pipeline, receiver to awsemf."""
    preset = container_insights_preset(aws, resources)
    metrics = pipeline([CONTAINER_INSIGHTS_RECEIVER], ["awsemf/containerinsights"])
    return build_config(preset, {"metrics/containerinsights": metrics}, listen=LOOPBACK)


def _loopback_probes(container: Json) -> Json:
    """The kubelet probes the health check where it binds; on the host network the kubelet
    shares the pod's loopback."""
    for probe in ("livenessProbe", "readinessProbe"):
        container[probe]["httpGet"]["host"] = LOOPBACK
    return container


def container_insights_manifests(
    namespace: str,
    aws: AwsBackends,
    resources: Resources = CONTAINER_INSIGHTS_RESOURCES,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """ServiceAccount (the IRSA role: it writes to CloudWatch), the receiver's RBAC, ConfigMap
    and DaemonSet on every EC2 node; no Service."""
    name = CONTAINER_INSIGHTS_AGENT
    preset = container_insights_preset(aws, resources)
    rendered = render_config(container_insights_config(aws, resources))
    spec = node_pod_spec(name, image, resources, preset)
    containers = [_loopback_probes(c) for c in spec["containers"]]
    pod_spec = {**spec, "containers": containers, **HOST_NETWORK}
    return [
        service_account(name, namespace, aws.role_annotations),
        *rbac(name, namespace, preset),
        config_map(name, namespace, {CONFIG_KEY: rendered}),
        daemon_set(name, namespace, rendered, pod_spec),
    ]
