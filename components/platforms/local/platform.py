"""local: an existing cluster; nothing outside it, so no workspace, alerts or leftovers."""

from __future__ import annotations

from typing import Any

from agent import CloudPatch
from components.platforms.local.agent_patch import cloud_patch
from components.platforms.local.cluster import build as build_cluster


class LocalPlatform:
    """The Platform (components/platforms/base.py) of an existing cluster."""

    cluster = staticmethod(build_cluster)

    def workspace(self, config: Any, cluster: Any) -> None:
        return None

    def agent_patch(self, *_: Any) -> CloudPatch:
        return cloud_patch()

    def alerts(self, *_: Any) -> None:
        return None

    def next_steps(self, cluster: Any, *_: Any) -> dict:
        return dict(cluster.next_steps)

    def clean_leftovers(self, *_: Any) -> None:
        return None


PLATFORM = LocalPlatform()
