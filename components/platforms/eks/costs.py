"""eks: the cost components of a planned stack, read from what the plan registers (cluster,
node group, NAT gateway, Fargate profile and the pods it selects, LoadBalancer Services, the
agents' CloudWatch exporters, alarms), priced from prices.yaml."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from components.cost_model import (
    GB,
    SECONDS_PER_MONTH,
    CostComponent,
    PlannedStack,
    PriceTable,
    Usage,
    line,
    load_balancers,
    load_rps,
    of_type,
    only,
    operator_pods,
    pod_templates,
)
from components.platforms.eks.fargate_sizing import billed_size

PRICES = PriceTable(Path(__file__).with_name("prices.yaml"))
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
# Add-ons that run one pod per EC2 node; CoreDNS runs two replicas (EKS user guide,
# "Manage CoreDNS": "two replicas by default").
PER_NODE_ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
COREDNS_REPLICAS = 2


def nodes(plan: PlannedStack) -> int:
    """EC2 nodes the node group starts with (Fargate pods run no DaemonSet)."""
    group = only(plan, "aws:eks/nodeGroup:NodeGroup")
    return int(group.inputs["scalingConfig"]["desiredSize"])


def components(plan: PlannedStack, usage: Usage) -> list[CostComponent]:
    region = only(plan, "pulumi:providers:aws").inputs["region"]
    cluster = only(plan, "aws:eks/cluster:Cluster")
    group = only(plan, "aws:eks/nodeGroup:NodeGroup")
    node_count = nodes(plan)
    rps = load_rps(plan)

    def priced(item: str, name: str, quantity, per: str, **extra) -> CostComponent:
        return line(PRICES, region, item, extra.pop("resource"), name, quantity, per, **extra)

    lines = [
        priced("eks-cluster", "control plane", 1, "hour", resource=cluster.name),
        *[
            priced(f"ec2:{kind}", f"{kind} nodes", node_count, "hour", resource=group.name)
            for kind in group.inputs["instanceTypes"]
        ],
        priced(
            "ebs-root-volume",
            "node root volumes (the AMI's default size)",
            node_count,
            "hour",
            resource=group.name,
            unit="volume-hour",
        ),
    ]
    lines += [
        priced("nat-gateway", "NAT gateway", 1, "hour", resource=nat.name)
        for nat in plan.resources
        if nat.type == "aws:ec2/natGateway:NatGateway"
    ]
    lines += [
        priced("classic-load-balancer", f"load balancer of {name}", 1, "hour", resource=name)
        for name in load_balancers(plan)
    ]
    lines += fargate_lines(plan, region)
    metrics, alarms = custom_metrics(plan, node_count), len(of_type(plan, ALARM))
    lines.append(
        priced(
            "cloudwatch-custom-metric",
            "Container Insights and node-ready metrics",
            metrics,
            "month",
            resource="agents' awsemf exporters",
        )
    )
    lines.append(priced("cloudwatch-alarm", "alarms", alarms, "month", resource="alarms"))
    lines += usage_lines(plan, usage, rps, priced)
    return lines


def usage_lines(plan: PlannedStack, usage: Usage, rps: Decimal, priced) -> list[CostComponent]:
    """Log ingestion and storage, traces and the NAT gateway's data, from the request rate."""
    requests = rps * SECONDS_PER_MONTH
    logs_gb = requests * usage.log_bytes_per_request / GB
    spans_gb = requests * usage.span_bytes_per_request / GB
    retention = max(
        (
            g.inputs.get("retentionInDays", 0)
            for g in of_type(plan, "aws:cloudwatch/logGroup:LogGroup")
        ),
        default=0,
    )
    stored_months = min(Decimal(retention), Decimal(30)) / 30  # steady state, uncompressed
    lines = [
        # Transaction Search bills spans as CloudWatch Logs ingestion into aws/spans and indexes
        # 1 % of them as trace summaries for free (CloudWatch docs, "Enable transaction search").
        priced(
            "cloudwatch-logs-ingestion",
            "container logs and spans (aws/spans) of the sample app",
            logs_gb + spans_gb,
            "month",
            resource="application log group, aws/spans",
            usage_based=True,
        ),
        priced(
            "cloudwatch-logs-storage",
            f"log storage ({retention}-day retention)",
            logs_gb * stored_months,
            "month",
            resource="log groups",
            usage_based=True,
        ),
    ]
    if of_type(plan, "aws:ec2/natGateway:NatGateway"):
        lines.append(
            priced(
                "nat-gateway-data",
                "telemetry through the NAT gateway",
                logs_gb + spans_gb,
                "month",
                resource="NAT gateway",
                usage_based=True,
            )
        )
    return lines


def fargate_lines(plan: PlannedStack, region: str) -> list[CostComponent]:
    """Each pod the Fargate profiles select, at the size Fargate bills (fargate_sizing.py)."""
    selectors = [
        s
        for profile in of_type(plan, "aws:eks/fargateProfile:FargateProfile")
        for s in profile.inputs["selectors"]
    ]
    lines = []
    for workload, replicas, per_node in pod_templates(plan.objects):
        if per_node or not _selected(workload, selectors):
            continue
        size = billed_size(workload["spec"]["template"]["spec"])
        name = f"{workload['metadata']['name']} pod ({size})"
        resource = f"{workload['kind']} {workload['metadata']['name']}"
        lines.append(
            line(
                PRICES,
                region,
                "fargate-vcpu",
                resource,
                f"{name} vCPU",
                size.vcpu * replicas,
                "hour",
            )
        )
        lines.append(
            line(
                PRICES,
                region,
                "fargate-memory",
                resource,
                f"{name} memory",
                size.memory_gb * replicas,
                "hour",
            )
        )
    return lines


def _selected(workload: dict[str, Any], selectors: list[dict[str, Any]]) -> bool:
    namespace = workload["metadata"].get("namespace")
    labels = workload["spec"]["template"]["metadata"].get("labels", {})
    return any(
        s["namespace"] == namespace
        and all(labels.get(k) == v for k, v in (s.get("labels") or {}).items())
        for s in selectors
    )


def custom_metrics(plan: PlannedStack, node_count: int) -> int:
    """Metrics CloudWatch extracts from the agents' EMF: per declaration, metric x dimension
    set, one series per node (NodeName), per pod on the EC2 nodes (PodName), else one."""
    pods = ec2_pods(plan, node_count)
    total = 0
    for exporter in _emf_exporters(plan):
        for declaration in exporter.get("metric_declarations", []):
            series = sum(
                node_count if "NodeName" in dims else pods if "PodName" in dims else 1
                for dims in declaration["dimensions"]
            )
            total += series * len(declaration["metric_name_selectors"])
    return total


def ec2_pods(plan: PlannedStack, node_count: int) -> int:
    """Pods on the EC2 nodes: the plan's (DaemonSets on every node, Fargate pods left out) and
    the EKS add-ons' it installs."""
    selectors = [
        s
        for profile in of_type(plan, "aws:eks/fargateProfile:FargateProfile")
        for s in profile.inputs["selectors"]
    ]
    pods = sum(
        node_count if per_node else replicas
        for workload, replicas, per_node in pod_templates(plan.objects)
        if per_node or not _selected(workload, selectors)
    )
    pods += operator_pods(plan.objects)
    for addon in of_type(plan, "aws:eks/addon:Addon"):
        name = addon.inputs.get("addonName", "")
        pods += (
            node_count if name in PER_NODE_ADDONS else COREDNS_REPLICAS if name == "coredns" else 0
        )
    return pods


def _emf_exporters(plan: PlannedStack) -> list[dict[str, Any]]:
    found = []
    for obj in plan.objects:
        if obj.get("kind") != "ConfigMap":
            continue
        for text in (obj.get("data") or {}).values():
            if "awsemf" not in text:
                continue
            config = yaml.safe_load(text)
            found += [
                spec
                for name, spec in (config.get("exporters") or {}).items()
                if name.split("/")[0] == "awsemf"
            ]
    return found
