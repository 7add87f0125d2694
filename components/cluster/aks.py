"""aks: a resource group holding an AKS cluster sized for a trial, and a kube provider for it."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.containerservice as containerservice
import pulumi_azure_native.resources as resources
import pulumi_kubernetes as k8s

from components.cluster.base import KitCluster
from components.settings import KitConfig

# AKS limits a node pool name to 12 lowercase alphanumerics on Linux (az aks nodepool add docs).
SYSTEM_POOL = "system"
OS_DISK_GB = 64  # the default 128 GB managed disk doubles the disk bill of a trial


@dataclass(frozen=True)
class AksClusterArgs:
    """What the AKS cluster looks like; defaults come from Pulumi.yaml via KitConfig."""

    cluster_name: str
    location: str
    kubernetes_version: str
    node_count: int
    vm_size: str
    dns_prefix: str


class AksCluster(KitCluster):
    """Resource group + AKS (VMSS system pool, managed identity, OIDC issuer, Azure CNI overlay
    with Cilium, which enforces NetworkPolicy, free tier). Everything lives in the stack's own
    resource group, and the node resource group AKS creates goes with the cluster, so
    `pulumi destroy` leaves nothing billable."""

    resource_group: resources.ResourceGroup
    cluster: containerservice.ManagedCluster

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:cluster:Aks", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.resource_group = resources.ResourceGroup(
            f"{name}-rg", location=args.location, opts=child
        )
        self.cluster = containerservice.ManagedCluster(
            f"{name}-aks",
            resource_group_name=self.resource_group.name,
            resource_name_=args.cluster_name,
            location=args.location,
            dns_prefix=args.dns_prefix,
            kubernetes_version=args.kubernetes_version,
            identity={"type": "SystemAssigned"},
            sku={"name": "Base", "tier": "Free"},
            enable_rbac=True,
            oidc_issuer_profile={"enabled": True},
            agent_pool_profiles=[
                {
                    "name": SYSTEM_POOL,
                    "mode": "System",
                    "type": "VirtualMachineScaleSets",
                    "os_type": "Linux",
                    "vm_size": args.vm_size,
                    "count": args.node_count,
                    "os_disk_size_gb": OS_DISK_GB,
                }
            ],
            network_profile={
                "network_plugin": "azure",
                "network_plugin_mode": "overlay",
                "network_dataplane": "cilium",
                "network_policy": "cilium",
                "load_balancer_sku": "standard",
            },
            opts=child,
        )
        # Local accounts stay enabled (no Entra ID integration to set up for a trial), so the
        # admin credentials are a plain client-certificate kubeconfig the provider can use.
        creds = containerservice.list_managed_cluster_admin_credentials_output(
            resource_group_name=self.resource_group.name, resource_name=self.cluster.name
        )
        kubeconfig = pulumi.Output.secret(
            creds.kubeconfigs[0].value.apply(lambda b64: base64.b64decode(b64).decode())
        )
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig, opts=child)
        self._finish(self.cluster.name, kubeconfig)


def build(config: KitConfig) -> AksCluster:
    """Registry entry: the aks stack's cluster from its config."""
    return AksCluster(
        config.name,
        AksClusterArgs(
            cluster_name=config.name,
            location=config.cluster.region,
            kubernetes_version=config.cluster.kubernetes_version,
            node_count=config.cluster.node_count,
            vm_size=config.cluster.vm_size,
            dns_prefix=config.name,
        ),
    )
