"""local: deploy into an existing cluster through the current (or a chosen) kube context."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.platforms.base_cluster import KitCluster
from components.settings import KitConfig


@dataclass(frozen=True)
class LocalClusterArgs:
    """Which existing cluster to use; None means the kubeconfig's defaults."""

    kubeconfig: str | None = None
    context: str | None = None


class LocalCluster(KitCluster):
    """Creates nothing but a kube provider, so kind, minikube, k3d, Docker Desktop or an on-prem
    cluster all work and cost nothing."""

    def __init__(
        self, name: str, args: LocalClusterArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:cluster:Local", name, None, opts)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=args.kubeconfig,
            context=args.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._finish(args.context or "current kube context", None)


def build(config: KitConfig) -> LocalCluster:
    """Registry entry: the local stack's cluster from its config."""
    return LocalCluster(
        config.name,
        LocalClusterArgs(kubeconfig=config.cluster.kubeconfig, context=config.cluster.context),
    )
