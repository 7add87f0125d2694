"""Each agent's presets next to what upstream documents their components need
(tests/agent/upstream_rbac.py), on the config the agent's pod really gets."""

from __future__ import annotations

import yaml

from agent import CLUSTER_AGENT, NODE_AGENT
from agent.cluster_agent import DEFAULT_CLUSTER_RESOURCES, cluster_agent_presets
from agent.node_agent import node_agent_presets, node_resources
from agent.preset import Preset
from kit.plan import offline
from tests.agent.collector_pods import collector_pods
from tests.agent.stacks import backends_for, patch_for
from tests.agent.upstream_rbac import Comparison, compare


def agent_presets(workload: str, namespace: str, cloud: str) -> list[Preset]:
    """The presets the program combines for one agent (as agent/__init__ builds them)."""
    backends = backends_for(cloud)
    patch = patch_for(cloud)
    if workload == NODE_AGENT:
        return node_agent_presets(namespace, backends, patch.node, node_resources(patch.node))
    if workload == CLUSTER_AGENT:
        return cluster_agent_presets(backends, patch.cluster, DEFAULT_CLUSTER_RESOURCES)
    raise KeyError(workload)


def comparisons(evaluation: offline.Evaluation, cloud: str) -> dict[str, list[Comparison]]:
    """workload -> one comparison per preset, on the config the workload's pod really gets."""
    found = {}
    for pod in collector_pods(evaluation):
        if pod.workload in (NODE_AGENT, CLUSTER_AGENT):
            config = yaml.safe_load(pod.config)
            presets = agent_presets(pod.workload, pod.namespace, cloud)
            found[pod.workload] = [compare(p, config) for p in presets]
    return found
