"""aks: the cost components of a planned stack, read from what the plan registers (the managed
cluster's tier and agent pool, its load balancer, LoadBalancer Services, the Log Analytics
workspace Container Insights and Application Insights write to), priced from prices.yaml."""

from __future__ import annotations

from pathlib import Path

from components import cost_model as cm
from components.cost_model import CostComponent, PlannedStack, Usage

PRICES = cm.PriceTable(Path(__file__).with_name("prices.yaml"))
CLUSTER = "azure-native:containerservice:ManagedCluster"
WORKSPACE = "azure-native:operationalinsights:Workspace"
INCLUDED_RETENTION_DAYS = 31  # Log Analytics keeps 31 days at no charge


def nodes(plan: PlannedStack) -> int:
    """VM nodes of the cluster's agent pools."""
    return sum(int(p["count"]) for p in cm.only(plan, CLUSTER).inputs["agentPoolProfiles"])


def components(plan: PlannedStack, usage: Usage) -> list[CostComponent]:
    cluster = cm.only(plan, CLUSTER)
    region = cluster.inputs["location"]

    def priced(item: str, resource: str, name: str, quantity, per: str, **extra):
        return cm.line(PRICES, region, item, resource, name, quantity, per, **extra)

    tier = cluster.inputs.get("sku", {}).get("tier", "Free")
    lines = [
        priced(f"aks-{tier.lower()}-tier", cluster.name, f"control plane ({tier} tier)", 1, "hour")
    ]
    for pool in cluster.inputs["agentPoolProfiles"]:
        count, size = int(pool["count"]), pool["vmSize"]
        lines.append(
            priced(f"vm:{size}", cluster.name, f"{size} nodes ({pool['name']})", count, "hour")
        )
        lines.append(
            priced(
                f"managed-disk:{pool.get('osDiskSizeGB')}GB",
                cluster.name,
                f"OS disks, {pool.get('osDiskSizeGB')} GB ({pool['name']})",
                count,
                "hour",
                unit="disk-hour",
            )
        )
    # The cluster's outbound traffic leaves through a Standard load balancer with one managed
    # public IP (AKS's default outbound type); each LoadBalancer Service adds a public IP.
    lines.append(priced("standard-load-balancer", cluster.name, "load balancer", 1, "hour"))
    lines.append(priced("public-ip", cluster.name, "outbound public IP", 1, "hour"))
    lines += [
        priced("public-ip", name, f"public IP of {name}", 1, "hour")
        for name in cm.load_balancers(plan)
    ]
    requests = cm.load_rps(plan) * cm.SECONDS_PER_MONTH
    ingested = requests * (usage.log_bytes_per_request + usage.span_bytes_per_request) / cm.GB
    for workspace in cm.of_type(plan, WORKSPACE):
        lines.append(
            priced(
                "log-analytics-ingestion",
                workspace.name,
                "sample app logs and spans (Log Analytics)",
                ingested,
                "month",
                usage_based=True,
            )
        )
        retention = int(workspace.inputs.get("retentionInDays", INCLUDED_RETENTION_DAYS))
        if retention > INCLUDED_RETENTION_DAYS:
            lines.append(
                priced(
                    "log-analytics-retention",
                    workspace.name,
                    f"retention beyond {INCLUDED_RETENTION_DAYS} days",
                    ingested,
                    "month",
                    usage_based=True,
                    unit="GB-month",
                )
            )
    return lines
