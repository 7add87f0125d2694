"""aks workspace: the stack's resource group, a Log Analytics workspace, workspace-based
Application Insights and the Container Insights data collection rule.

It comes before the cluster in the data flow because the cluster's monitoring add-on points at
the workspace; the cluster then associates itself with the collection rule and sends its
control-plane logs here (components/platforms/aks/cluster.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.applicationinsights as applicationinsights
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights
import pulumi_azure_native.resources as resources

from components.platforms.aks.exporters import AzureBackends

# The stream Container Insights sends everything through (Microsoft Learn, "Enable monitoring
# for AKS clusters" with ARM/Terraform: the MSCI data collection rule).
CONTAINER_INSIGHTS_STREAM = "Microsoft-ContainerInsights-Group-Default"
APP_INSIGHTS_SECRET = "app-insights"
# Outputs of the Application Insights component that let anyone send telemetry to it.
APP_INSIGHTS_KEYS = ["connectionString", "instrumentationKey"]
APP_INSIGHTS_KEY = "connection-string"


@dataclass(frozen=True)
class AzureWorkspaceArgs:
    """Where the workspace lives and how much it keeps."""

    location: str
    retention_days: int
    daily_cap_gb: int  # 0: no cap


class AzureWorkspace(pulumi.ComponentResource):
    """Everything the outside view of an aks stack writes into, in one resource group, so
    `pulumi destroy` (deleting the group's resources) leaves nothing billable."""

    resource_group: resources.ResourceGroup
    workspace: operationalinsights.Workspace
    app_insights: applicationinsights.Component
    collection_rule: monitor.DataCollectionRule
    connection_string: pulumi.Output[str]

    def __init__(
        self, name: str, args: AzureWorkspaceArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:workspace:Azure", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.resource_group = resources.ResourceGroup(
            f"{name}-rg", location=args.location, opts=child
        )
        group = self.resource_group.name
        capping = {"daily_quota_gb": args.daily_cap_gb} if args.daily_cap_gb else None
        self.workspace = operationalinsights.Workspace(
            f"{name}-logs",
            resource_group_name=group,
            location=args.location,
            sku={"name": "PerGB2018"},
            retention_in_days=args.retention_days,
            workspace_capping=capping,
            opts=child,
        )
        self.app_insights = applicationinsights.Component(
            f"{name}-appinsights",
            resource_group_name=group,
            location=args.location,
            kind="web",
            application_type="web",
            workspace_resource_id=self.workspace.id,
            ingestion_mode="LogAnalytics",
            # The provider's schema marks neither as secret, so Pulumi would keep them in the
            # state in clear; Output.secret below only covers what the kit passes on.
            opts=child.merge(pulumi.ResourceOptions(additional_secret_outputs=APP_INSIGHTS_KEYS)),
        )
        self.connection_string = pulumi.Output.secret(self.app_insights.connection_string)
        self.collection_rule = monitor.DataCollectionRule(
            f"{name}-container-insights",
            resource_group_name=group,
            location=args.location,
            kind="Linux",
            description="Container Insights: inventory, performance, events, ContainerLogV2",
            data_sources={
                "extensions": [
                    {
                        "name": "ContainerInsightsExtension",
                        "extension_name": "ContainerInsights",
                        "streams": [CONTAINER_INSIGHTS_STREAM],
                        "extension_settings": {
                            "dataCollectionSettings": {
                                "interval": "1m",
                                "namespaceFilteringMode": "Off",
                                "enableContainerLogV2": True,
                            }
                        },
                    }
                ]
            },
            destinations={
                "log_analytics": [{"name": "workspace", "workspace_resource_id": self.workspace.id}]
            },
            data_flows=[{"streams": [CONTAINER_INSIGHTS_STREAM], "destinations": ["workspace"]}],
            opts=child,
        )
        self.register_outputs(
            {
                "resource_group": group,
                "workspace_id": self.workspace.id,
                "app_insights_id": self.app_insights.id,
                "connection_string": self.connection_string,
            }
        )

    @property
    def agent_backends(self) -> AzureBackends:
        """What the collector needs: the name of the Secret holding the connection string."""
        return AzureBackends(APP_INSIGHTS_SECRET, APP_INSIGHTS_KEY)

    @property
    def agent_secrets(self) -> dict[str, dict[str, pulumi.Output[str]]]:
        """Secret name -> data, created in the agent's namespace (and nowhere else)."""
        return {APP_INSIGHTS_SECRET: {APP_INSIGHTS_KEY: self.connection_string}}
