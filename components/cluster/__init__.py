"""Cluster builders chosen by the `cloud` key, as kube-prometheus picks its platform patches."""

from __future__ import annotations

from collections.abc import Callable

from components.cluster import aks, eks, local
from components.cluster.base import KitCluster
from components.settings import KitConfig

CLUSTERS: dict[str, Callable[[KitConfig], KitCluster]] = {
    "local": local.build,
    "aks": aks.build,
    "eks": eks.build,
}

__all__ = ["CLUSTERS", "KitCluster"]
