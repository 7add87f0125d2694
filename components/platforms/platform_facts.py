"""What the cluster commands (kit/cli) need to know of a cloud, without its Pulumi SDK."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformFacts:
    # The kit creates the cluster (and destroy deletes it, CRDs included); its kubeconfig is a
    # stack output. False: the stack deploys into a cluster someone else owns.
    creates_cluster: bool
    # How its nodes' spec.providerID starts (azure:///... on AKS VMSS, aws:///... on EC2 and
    # Fargate), to tell the cloud of a cluster met without a stack; None: any other cluster.
    node_provider_id: str | None = None
    # What `kit verify` cannot check from inside the cluster, and where to look instead.
    console_hint: str | None = None
    # Where pods get their addresses, for the plan's flows check (an ipBlock over them admits
    # pods too); None: not known to the kit, so any private range.
    pod_cidrs: tuple[str, ...] | None = None
    # DaemonSets the platform adds to the node namespace, for `kit status` and `kit verify`.
    node_daemonsets: tuple[str, ...] = ()
