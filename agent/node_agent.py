"""Node agent: one collector per EC2/VM node (DaemonSet).

Collects this node's container logs, receives the app's OTLP, and runs what the platform adds
(agent/cloud_patch.py). The node's host, container and pod metrics reach Prometheus from
node-exporter and the kubelet's cAdvisor endpoint instead: one source per signal (docs/design.md).
Apps reach it through a Service with internalTrafficPolicy: Local rather than a hostPort: a plain
DNS name, traffic stays on the node with the source pod IP that k8s_attributes matches, and no
dependence on the CNI's portmap plugin.
"""

from __future__ import annotations

from agent import exporters
from agent import preset_catalog as presets
from agent.backends import Backends, Resources
from agent.cloud_patch import ModePatch
from agent.collector_config import build_config, config_checksum, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import (
    CONFIG_KEY,
    CONTAINER_NAME,
    FARGATE_COMPUTE_TYPE,
    collector_pod_spec,
    config_map,
    metadata,
    otlp_service,
    pod_template,
    rbac,
    selector_labels,
    service_account,
)
from agent.preset import Json, Preset, combine

NODE_AGENT = "otel-node-agent"
# ADOT's DaemonSet size, checked with `make bench-agent` (docs/reliability.md, "The node
# agent's size").
DEFAULT_NODE_RESOURCES = Resources(cpu="200m", memory="200Mi")


def node_resources(patch: ModePatch) -> Resources:
    """The node agent's requests = limits under `patch`."""
    return patch.resources or DEFAULT_NODE_RESOURCES


def node_agent_presets(
    namespace: str, backends: Backends, patch: ModePatch, resources: Resources
) -> list[Preset]:
    """The node agent's presets one by one: each pairs its components with the RBAC they need
    (tests/agent/test_agent_rbac_live.py checks each pair)."""
    return [
        presets.base(resources),
        # hostPath, so checkpoints and queues outlive the pod (rollouts, evictions, OOM kills).
        presets.persistent_state(
            {
                "hostPath": {
                    "path": f"/var/lib/otelcol/{namespace}-{NODE_AGENT}",
                    "type": "DirectoryOrCreate",
                }
            }
        ),
        presets.otlp("${env:MY_POD_IP}"),
        presets.container_logs(namespace, NODE_AGENT, CONTAINER_NAME),
        presets.k8s_attributes(node_local=True),
        exporters.prometheus(backends),
        exporters.loki(backends),
        exporters.trace_backend(backends),
        *patch.presets(),
    ]


def node_agent_preset(
    namespace: str, backends: Backends, patch: ModePatch, resources: Resources
) -> Preset:
    return combine(node_agent_presets(namespace, backends, patch, resources))


def node_agent_config(
    namespace: str, backends: Backends, patch: ModePatch, resources: Resources
) -> Json:
    """The node agent's collector config (checked)."""
    preset = node_agent_preset(namespace, backends, patch, resources)
    exporters_of = {
        "traces": ["otlp_grpc/traces"],
        "metrics": ["otlp_http/prometheus"],
        "logs": ["otlp_http/loki"],
    }
    exporters_of = patch.pipelines(exporters_of)
    pipelines = {
        "traces": pipeline(["otlp"], exporters_of["traces"], ["k8s_attributes"]),
        "metrics": pipeline(["otlp"], exporters_of["metrics"], ["k8s_attributes"]),
        "logs": pipeline(["otlp", "file_log"], exporters_of["logs"], ["k8s_attributes"]),
    }
    return build_config(preset, {**pipelines, **patch.own_pipelines()})


NOT_ON_FARGATE = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": FARGATE_COMPUTE_TYPE, "operator": "NotIn", "values": ["fargate"]}
                    ]
                }
            ]
        }
    }
}


def node_agent_manifests(
    namespace: str,
    backends: Backends,
    patch: ModePatch | None = None,
    resources: Resources | None = None,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """ServiceAccount, RBAC, ConfigMap, DaemonSet and the node-local OTLP Service.

    Tolerates every taint (a node without its agent has no logs or metrics) but never targets
    Fargate nodes, which cannot run DaemonSets.
    """
    patch = patch or ModePatch()
    resources = resources or node_resources(patch)
    config = node_agent_config(namespace, backends, patch, resources)
    rendered = render_config(config)
    preset = node_agent_preset(namespace, backends, patch, resources)
    pod_spec = {
        **collector_pod_spec(NODE_AGENT, image, resources, preset),
        "tolerations": [{"operator": "Exists"}],
        "affinity": NOT_ON_FARGATE,
        **patch.pod_spec,
    }
    daemon_set = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata(NODE_AGENT, namespace),
        "spec": {
            "selector": {"matchLabels": selector_labels(NODE_AGENT)},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": pod_template(NODE_AGENT, config_checksum(rendered), pod_spec),
        },
    }
    return [
        service_account(NODE_AGENT, namespace, patch.service_account_annotations),
        *rbac(NODE_AGENT, namespace, preset),
        config_map(NODE_AGENT, namespace, {CONFIG_KEY: rendered}),
        daemon_set,
        otlp_service(NODE_AGENT, namespace, node_local=True),
    ]
