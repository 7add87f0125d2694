"""eks: the cluster (with Fargate where tiers ask for it), then the CloudWatch + X-Ray workspace
whose role trusts the cluster's OIDC provider, the agent's AWS exporters, CloudWatch alarms,
and the control-plane log group EKS can recreate after `destroy`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from agent import Backends, CloudPatch
from components.platforms.eks import alerts, leftovers
from components.platforms.eks import workspace as cloudwatch
from components.platforms.eks.agent_patch import cloud_patch
from components.platforms.eks.cluster import EksCluster
from components.platforms.eks.cluster import build as build_cluster
from components.settings import KitConfig


class EksPlatform:
    """The Platform (components/platforms/base.py) of Amazon EKS."""

    cluster = staticmethod(build_cluster)

    def workspace(self, config: KitConfig, cluster: EksCluster) -> cloudwatch.CloudWatchWorkspace:
        return cloudwatch.build(config, cluster)

    def agent_patch(
        self,
        cluster: EksCluster,
        ws: cloudwatch.CloudWatchWorkspace,
        backends: Backends,
        agent_ns: str,
        app_ns: str,
    ) -> CloudPatch:
        fargate_ns = app_ns if cluster.has_fargate else None
        return cloud_patch(ws.agent_backends, backends, agent_ns, fargate_ns)

    def alerts(
        self, config: KitConfig, cluster: EksCluster, ws: Any, agent: pulumi.Resource
    ) -> alerts.CloudWatchAlerts:
        """The alarms wait for the agent that writes their metric, so none starts breaching."""
        return alerts.build(config, cluster, pulumi.ResourceOptions(depends_on=[agent]))

    def next_steps(
        self,
        cluster: EksCluster,
        ws: cloudwatch.CloudWatchWorkspace,
        alert: alerts.CloudWatchAlerts,
    ) -> dict[str, pulumi.Input[str]]:
        return {**cluster.next_steps, **ws.next_steps, **alert.next_steps}

    def clean_leftovers(self, stack: str, stack_config: Mapping[str, Any]) -> None:
        leftovers.clean(stack, stack_config)


PLATFORM = EksPlatform()
