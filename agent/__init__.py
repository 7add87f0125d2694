"""The bundled OpenTelemetry Collector agent as plain data: configs and Kubernetes manifests.

Pure Python (no Pulumi): the Agent component turns these dicts into typed resources, and the
tests check them offline. One function per mode returns that mode's manifests; a platform
changes them only through a CloudPatch (agent/cloud_patch.py).
"""

from agent.backends import Backends, Resources
from agent.cloud_patch import Addition, CloudPatch, ModePatch
from agent.cluster_agent import CLUSTER_AGENT, cluster_agent_config, cluster_agent_manifests
from agent.labels import FARGATE_GATEWAY, FARGATE_SCRAPER
from agent.node_agent import NODE_AGENT, node_agent_config, node_agent_manifests
from agent.validate import CollectorConfigError, check_config

__all__ = [
    "CLUSTER_AGENT",
    "FARGATE_GATEWAY",
    "FARGATE_SCRAPER",
    "NODE_AGENT",
    "Addition",
    "Backends",
    "CloudPatch",
    "CollectorConfigError",
    "ModePatch",
    "Resources",
    "check_config",
    "cluster_agent_config",
    "cluster_agent_manifests",
    "node_agent_config",
    "node_agent_manifests",
]
