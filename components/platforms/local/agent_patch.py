"""local: the agent as on every cloud, sized for a laptop. Both collectors are smaller than the
clouds' defaults: `make bench-agent` ran the node agent's every pipeline at this size, far
above the local stack's load, without a loss or an OOM kill, and the cluster agent carries less
than the node agent (docs/sizing.md)."""

from __future__ import annotations

from agent import CloudPatch, ModePatch, Resources

LOCAL_NODE_RESOURCES = Resources(cpu="100m", memory="128Mi")
LOCAL_CLUSTER_RESOURCES = Resources(cpu="100m", memory="128Mi")


def cloud_patch() -> CloudPatch:
    return CloudPatch(
        node=ModePatch(resources=LOCAL_NODE_RESOURCES),
        cluster=ModePatch(resources=LOCAL_CLUSTER_RESOURCES),
    )
