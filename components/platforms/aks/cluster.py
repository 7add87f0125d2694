"""aks: a resource group holding an AKS cluster sized for a trial, and a kube provider for it."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.containerservice as containerservice
import pulumi_azure_native.monitor as monitor
import pulumi_kubernetes as k8s

from components.platforms.aks.admin_ready import AksAdminReady
from components.platforms.aks.kql import KQL_QUERIES
from components.platforms.aks.kubeconfig import kubelogin_kubeconfig
from components.platforms.aks.workspace import AzureWorkspace, AzureWorkspaceArgs
from components.platforms.base_cluster import KitCluster
from components.settings import KitConfig

# AKS limits a node pool name to 12 lowercase alphanumerics on Linux (az aks nodepool add docs).
SYSTEM_POOL = "system"
OS_DISK_GB = 64  # the default 128 GB managed disk doubles the disk bill of a trial
# Control-plane log categories sent to the workspace (AKS resource logs reference).
CONTROL_PLANE_LOGS = (
    "kube-apiserver",
    "kube-audit-admin",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "guard",
)
# Built-in role "Azure Kubernetes Service RBAC Cluster Admin" (Azure built-in roles, Containers).
RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"


@dataclass(frozen=True)
class AksClusterArgs:
    """What the AKS cluster looks like; defaults come from Pulumi.yaml via KitConfig."""

    cluster_name: str
    resource_group_name: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    collection_rule_id: pulumi.Input[str]
    location: str
    kubernetes_version: str
    node_count: int
    vm_size: str
    dns_prefix: str
    api_server_allowed_cidrs: tuple[str, ...] = ()


class AksCluster(KitCluster):
    """AKS (Azure CNI overlay with Cilium, which enforces NetworkPolicy; free tier) with Container
    Insights and control-plane logs into the workspace, in the workspace's resource group, so
    `pulumi destroy` leaves nothing billable."""

    cluster: containerservice.ManagedCluster
    workspace: AzureWorkspace | None = None

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:cluster:Aks", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = containerservice.ManagedCluster(
            f"{name}-aks",
            resource_group_name=args.resource_group_name,
            resource_name_=args.cluster_name,
            location=args.location,
            dns_prefix=args.dns_prefix,
            kubernetes_version=args.kubernetes_version,
            identity={"type": "SystemAssigned"},
            sku={"name": "Base", "tier": "Free"},
            enable_rbac=True,
            # Entra ID sign-in, Kubernetes authorization by Azure RBAC, and no local accounts: no
            # static admin certificate exists to leak or to rotate away.
            aad_profile={"managed": True, "enable_azure_rbac": True},
            disable_local_accounts=True,
            **_api_server_access(args.api_server_allowed_cidrs),
            oidc_issuer_profile={"enabled": True},
            addon_profiles={
                "omsagent": {
                    "enabled": True,
                    "config": {
                        "logAnalyticsWorkspaceResourceID": args.workspace_id,
                        "useAADAuth": "true",
                    },
                }
            },
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
        monitor.DataCollectionRuleAssociation(
            f"{name}-container-insights",
            association_name="ContainerInsightsExtension",
            resource_uri=self.cluster.id,
            data_collection_rule_id=args.collection_rule_id,
            opts=child,
        )
        monitor.DiagnosticSetting(
            f"{name}-control-plane-logs",
            name="control-plane-to-log-analytics",
            resource_uri=self.cluster.id,
            workspace_id=args.workspace_id,
            log_analytics_destination_type="Dedicated",
            logs=[{"category": category, "enabled": True} for category in CONTROL_PLANE_LOGS],
            opts=child,
        )
        client = authorization.get_client_config_output()
        admin = authorization.RoleAssignment(
            f"{name}-deployer-cluster-admin",
            principal_id=client.object_id,
            role_definition_id=pulumi.Output.concat(
                "/subscriptions/",
                client.subscription_id,
                "/providers/Microsoft.Authorization/roleDefinitions/",
                RBAC_CLUSTER_ADMIN_ROLE,
            ),
            scope=self.cluster.id,
            opts=child,
        )
        # The user credentials of an Entra ID cluster carry no secret: only the server and its CA,
        # which a kubeconfig pairs with kubelogin reusing the deployer's `az login`.
        creds = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=args.resource_group_name, resource_name=self.cluster.name
        )
        kubeconfig = pulumi.Output.secret(
            creds.kubeconfigs[0].value.apply(
                lambda b64: kubelogin_kubeconfig(base64.b64decode(b64).decode())
            )
        )
        # The grant takes minutes to reach the cluster: nothing talks to it before it works.
        ready = AksAdminReady(f"{name}-deployer-admin-ready", kubeconfig, admin.id, opts=child)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ready]),
        )
        self._finish(self.cluster.name, kubeconfig)


def _api_server_access(cidrs: tuple[str, ...]) -> dict[str, object]:
    """Authorized IP ranges when some are configured; none leaves the API server public."""
    if not cidrs:
        return {}
    return {"api_server_access_profile": {"authorized_ip_ranges": list(cidrs)}}


def build(config: KitConfig) -> AksCluster:
    """Registry entry: the aks stack's workspace, then its cluster, from its config."""
    workspace = AzureWorkspace(
        f"{config.name}-ws",
        AzureWorkspaceArgs(
            location=config.cluster.region,
            retention_days=config.log_retention_days,
            daily_cap_gb=config.log_daily_cap_gb,
        ),
    )
    cluster = AksCluster(
        config.name,
        AksClusterArgs(
            cluster_name=config.name,
            resource_group_name=workspace.resource_group.name,
            workspace_id=workspace.workspace.id,
            collection_rule_id=workspace.collection_rule.id,
            location=config.cluster.region,
            kubernetes_version=config.cluster.kubernetes_version,
            node_count=config.cluster.node_count,
            vm_size=config.cluster.vm_size,
            dns_prefix=config.name,
            api_server_allowed_cidrs=config.cluster.api_server_allowed_cidrs,
        ),
    )
    cluster.workspace = workspace
    cluster.next_steps = _next_steps(cluster, workspace)
    return cluster


def _next_steps(cluster: AksCluster, workspace: AzureWorkspace) -> dict[str, pulumi.Input[str]]:
    """Portal links and KQL for the walkthrough."""
    portal = "https://portal.azure.com/#@/resource"
    return {
        "cluster_portal": pulumi.Output.concat(portal, cluster.cluster.id, "/overview"),
        "container_insights": pulumi.Output.concat(portal, cluster.cluster.id, "/infrainsights"),
        "logs": pulumi.Output.concat(portal, workspace.workspace.id, "/logs"),
        "application_map": pulumi.Output.concat(
            portal, workspace.app_insights.id, "/applicationMap"
        ),
        "credentials": pulumi.Output.concat(
            "az aks get-credentials --resource-group ",
            workspace.resource_group.name,
            " --name ",
            cluster.cluster.name,
        ),
        **{f"kql_{name}": query for name, query in KQL_QUERIES.items()},
    }
