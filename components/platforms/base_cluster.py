"""What every cluster builder hands to the rest of the program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

# (pod spec, the app container's name, the agent namespace) -> (the pod spec with what Fargate
# needs added, annotations for the pod template): how an app pod runs on the cluster's Fargate.
FargatePod = Callable[[dict[str, Any], str, str], tuple[dict[str, Any], dict[str, str]]]


class KitCluster(pulumi.ComponentResource):
    """A cluster the kit can deploy into: a kube provider plus facts later components need.

    Subclasses create (or, for local, only point at) the cluster, then call `_finish`.
    """

    provider: k8s.Provider
    # Secret: the kubeconfig of a cluster the kit created; None on local, where the kit never
    # copies a user's kubeconfig into its state.
    kubeconfig: pulumi.Output[str] | None
    cluster_name: pulumi.Output[str]
    # Whether any pods run on EKS Fargate, where DaemonSets and hostPath do not exist.
    has_fargate: bool = False
    fargate_pod: FargatePod | None = None
    # For the front end's NetworkPolicy ipBlock: where a LoadBalancer's traffic comes from when
    # it hides the client's address (None: it keeps it).
    load_balancer_cidrs: tuple[str, ...] | None = None
    # Where to look next: console links and ready-to-paste queries (a stack output).
    next_steps: dict[str, pulumi.Input[str]] = {}  # noqa: RUF012 - replaced, never mutated

    def _finish(
        self,
        cluster_name: pulumi.Input[str],
        kubeconfig: pulumi.Input[str] | None,
        extra: dict[str, pulumi.Input] | None = None,
    ) -> None:
        """Register the outputs every cluster has, plus a subclass's own (`extra`)."""
        self.cluster_name = pulumi.Output.from_input(cluster_name)
        self.kubeconfig = None if kubeconfig is None else pulumi.Output.secret(kubeconfig)
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "has_fargate": self.has_fargate,
                **(extra or {}),
            }
        )
