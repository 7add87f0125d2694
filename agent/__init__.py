"""The bundled OpenTelemetry Collector agent as plain data: configs and Kubernetes manifests.

Pure Python (no Pulumi): the Agent component turns these dicts into typed resources, and the
tests check them offline. One function per mode returns that mode's manifests.
"""

from agent.backends import AwsBackends, AzureBackends, Backends, Cloud, Resources
from agent.cluster_agent import CLUSTER_AGENT, cluster_agent_config, cluster_agent_manifests
from agent.exporters import NODE_READY_DIMENSIONS, NODE_READY_METRIC, NODE_READY_NAMESPACE
from agent.fargate_collectors import FARGATE_GATEWAY, FARGATE_SCRAPER, fargate_collector_manifests
from agent.fargate_sidecar import (
    LogChunks,
    add_fargate_sidecar,
    fargate_sidecar_annotations,
    fargate_sidecar_manifests,
    sidecar_config,
)
from agent.node_agent import NODE_AGENT, node_agent_config, node_agent_manifests
from agent.validate import CollectorConfigError, check_config

__all__ = [
    "CLUSTER_AGENT",
    "FARGATE_GATEWAY",
    "FARGATE_SCRAPER",
    "NODE_AGENT",
    "NODE_READY_DIMENSIONS",
    "NODE_READY_METRIC",
    "NODE_READY_NAMESPACE",
    "AwsBackends",
    "AzureBackends",
    "Backends",
    "Cloud",
    "CollectorConfigError",
    "LogChunks",
    "Resources",
    "add_fargate_sidecar",
    "check_config",
    "cluster_agent_config",
    "cluster_agent_manifests",
    "fargate_collector_manifests",
    "fargate_sidecar_annotations",
    "fargate_sidecar_manifests",
    "node_agent_config",
    "node_agent_manifests",
    "sidecar_config",
]
