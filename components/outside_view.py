"""The cloud's view from outside the cluster, chosen by cloud like the cluster builders:
where the agent also writes (workspace) and who gets told when a node fails (alerts)."""

from __future__ import annotations

from typing import Any

import pulumi

from components import alerts_aks, alerts_eks, workspace_eks
from components.cluster.base import KitCluster
from components.settings import KitConfig


def workspace(config: KitConfig, cluster: KitCluster) -> Any:
    """aks: built with the cluster (its monitoring add-on points at it); eks: after the cluster
    (the collectors' role trusts its OIDC provider); local: none."""
    if config.cloud == "aks":
        return cluster.workspace
    if config.cloud == "eks":
        return workspace_eks.build(config, cluster)
    return None


def alerts(config: KitConfig, cluster: KitCluster, ws: Any, agent: pulumi.Resource | None) -> Any:
    """The node-health alert of the cloud; on eks it waits for the agent that writes its
    metric, so the alarm does not start out breaching."""
    if config.cloud == "aks":
        return alerts_aks.build(config, ws.resource_group.name, cluster.cluster.id)
    if config.cloud == "eks":
        after_agent = pulumi.ResourceOptions(depends_on=[agent] if agent else [])
        return alerts_eks.build(config, cluster, after_agent)
    return None


def next_steps(cluster: KitCluster, ws: Any, alert: Any) -> dict[str, pulumi.Input[str]]:
    """Console links, commands and ready-to-paste queries from every part of the stack."""
    return {
        **cluster.next_steps,
        **getattr(ws, "next_steps", {}),
        **getattr(alert, "next_steps", {}),
    }
