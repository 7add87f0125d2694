"""aks: the cluster with its Log Analytics + App Insights workspace (built first: the cluster's
monitoring add-on points at it), traces to App Insights, and an Azure Monitor node alert."""

from __future__ import annotations

from typing import Any

import pulumi

from agent import Backends, CloudPatch
from components.platforms.aks import alerts
from components.platforms.aks.agent_patch import cloud_patch
from components.platforms.aks.cluster import AksCluster
from components.platforms.aks.cluster import build as build_cluster
from components.platforms.aks.workspace import AzureWorkspace
from components.settings import KitConfig


class AksPlatform:
    """The Platform (components/platforms/base.py) of Azure Kubernetes Service."""

    cluster = staticmethod(build_cluster)

    def workspace(self, config: KitConfig, cluster: AksCluster) -> AzureWorkspace:
        return cluster.workspace

    def agent_patch(
        self, cluster: Any, workspace: AzureWorkspace, backends: Backends, *_: str
    ) -> CloudPatch:
        return cloud_patch(workspace.agent_backends, workspace.agent_secrets)

    def alerts(
        self, config: KitConfig, cluster: AksCluster, workspace: AzureWorkspace, agent: Any
    ) -> alerts.AzureNodeAlerts:
        return alerts.build(config, workspace.resource_group.name, cluster.cluster.id)

    def next_steps(self, cluster: AksCluster, *_: Any) -> dict[str, pulumi.Input[str]]:
        return dict(cluster.next_steps)

    def clean_leftovers(self, *_: Any) -> None:
        return None


PLATFORM = AksPlatform()
