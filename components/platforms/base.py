"""The one interface every platform offers the program (__main__.py), in data-flow order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import pulumi

from agent import Backends, CloudPatch
from components.platforms.base_cluster import KitCluster
from components.settings import KitConfig

NextSteps = dict[str, pulumi.Input[str]]


@runtime_checkable
class Platform(Protocol):
    """A cloud: its cluster, where the agent also writes, the agent's patch, the node alerts,
    where to look next, and what its `destroy` can leave behind."""

    def cluster(self, config: KitConfig) -> KitCluster:
        """The cluster (or, on local, a provider for an existing one)."""
        ...

    def workspace(self, config: KitConfig, cluster: KitCluster) -> pulumi.Resource | None:
        """The cloud's own telemetry store, or None."""
        ...

    def agent_patch(
        self, cluster: KitCluster, workspace: Any, backends: Backends, agent_ns: str, app_ns: str
    ) -> CloudPatch:
        """What the cloud adds to the in-cluster agent (agent/cloud_patch.py)."""
        ...

    def alerts(
        self, config: KitConfig, cluster: KitCluster, workspace: Any, agent: pulumi.Resource
    ) -> pulumi.Resource | None:
        """The node-health alert of the cloud, or None."""
        ...

    def next_steps(self, cluster: KitCluster, workspace: Any, alerts: Any) -> NextSteps:
        """Console links, commands and ready-to-paste queries (a stack output)."""
        ...

    def clean_leftovers(self, stack: str, stack_config: Mapping[str, Any]) -> None:
        """Remove what the cloud may leave behind after `destroy`, printing what was done (the
        stack's config as its stack file holds it; python -m kit.cloud_leftovers)."""
        ...
