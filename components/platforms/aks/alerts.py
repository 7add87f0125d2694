"""aks node-health alert: an Azure Monitor metric alert on the cluster's platform metric
`kube_node_status_condition`, mailing an action group."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.monitor as monitor

from components.settings import KitConfig

METRIC_NAMESPACE = "Microsoft.ContainerService/managedClusters"
# Condition=Ready with status false or unknown. Not `status2` (Ready/NotReady): deprecated and
# set for removal (Azure/AKS#1997). Unknown matters: a node that stops reporting (VM
# deallocated) goes Unknown, not False.
NOT_READY_DIMENSIONS = [
    {"name": "condition", "operator": "Include", "values": ["Ready"]},
    {"name": "status", "operator": "Include", "values": ["false", "unknown"]},
    {"name": "node", "operator": "Include", "values": ["*"]},  # one alert per node
]


@dataclass(frozen=True)
class AzureNodeAlertsArgs:
    """Which cluster to watch and whom to tell."""

    resource_group_name: pulumi.Input[str]
    cluster_id: pulumi.Input[str]
    cluster_name: str
    emails: tuple[str, ...]


class AzureNodeAlerts(pulumi.ComponentResource):
    """Action group + metric alert: evaluated every minute over a 5-minute window, firing when
    the average of the NotReady/Unknown series is above 0, i.e. a node was not Ready at some
    point in the last 5 minutes (the seed kit's "count > 0 in 5 minutes")."""

    action_group: monitor.ActionGroup
    alert: monitor.MetricAlert

    def __init__(
        self, name: str, args: AzureNodeAlertsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:alerts:AzureNodeHealth", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.action_group = monitor.ActionGroup(
            f"{name}-action-group",
            resource_group_name=args.resource_group_name,
            location="Global",
            group_short_name="o11y-kit",  # at most 12 characters, shown in mails and SMS
            enabled=True,
            email_receivers=[
                {"name": f"email-{i}", "email_address": email, "use_common_alert_schema": True}
                for i, email in enumerate(args.emails)
            ],
            opts=child,
        )
        self.alert = monitor.MetricAlert(
            f"{name}-node-not-ready",
            resource_group_name=args.resource_group_name,
            location="global",
            description=f"A node of {args.cluster_name} is NotReady or Unknown.",
            severity=1,
            enabled=True,
            scopes=[args.cluster_id],
            evaluation_frequency="PT1M",
            window_size="PT5M",
            auto_mitigate=True,
            # Typed args, not a dict: `criteria` is a union, so dict keys would reach Azure
            # untranslated (all_of instead of allOf).
            criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                all_of=[
                    monitor.MetricCriteriaArgs(
                        criterion_type="StaticThresholdCriterion",
                        name="NodeNotReady",
                        metric_namespace=METRIC_NAMESPACE,
                        metric_name="kube_node_status_condition",
                        dimensions=[monitor.MetricDimensionArgs(**d) for d in NOT_READY_DIMENSIONS],
                        operator="GreaterThan",
                        threshold=0,
                        time_aggregation="Average",
                    )
                ],
            ),
            actions=[{"action_group_id": self.action_group.id}],
            opts=child,
        )
        self.register_outputs({"action_group_id": self.action_group.id, "alert_id": self.alert.id})


def build(config: KitConfig, resource_group_name, cluster_id) -> AzureNodeAlerts:
    """Registry entry: the aks stack's node alert."""
    return AzureNodeAlerts(
        f"{config.name}-alerts",
        AzureNodeAlertsArgs(
            resource_group_name=resource_group_name,
            cluster_id=cluster_id,
            cluster_name=config.name,
            emails=config.alerting.emails,
        ),
    )
