"""eks: the CloudWatch log group names of a cluster, in one place for the stack that creates
them, the collectors that write them and the CLI that reads them (Pulumi-free: kit/cli uses it)."""

from __future__ import annotations

NAMES = {
    # EKS's own name for the control-plane logs (it recreates the group: leftovers.py).
    "control_plane": "/aws/eks/{cluster}/cluster",
    # Where Container Insights expects EMF performance events and container logs (AWS naming).
    "performance": "/aws/containerinsights/{cluster}/performance",
    "application": "/aws/containerinsights/{cluster}/application",
    "events": "/aws/o11y-kit/{cluster}/events",
}


# Where Transaction Search keeps every span X-Ray takes (CloudWatch docs, "Spans"): one group
# per account and region, which X-Ray creates; not the stack's.
SPANS_LOG_GROUP = "aws/spans"


def log_group(kind: str, cluster: str) -> str:
    """The name of the cluster's log group of `kind` (a key of NAMES)."""
    return NAMES[kind].format(cluster=cluster)
