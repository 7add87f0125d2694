"""eks workspace: the CloudWatch log groups the collectors write into, the one IAM role (IRSA)
they write with, and Transaction Search, without which X-Ray's OTLP endpoint refuses spans.

After the cluster, because the role trusts its OIDC provider. The stack owns the log groups, so
`destroy` removes them and the exporters never need logs:CreateLogGroup.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

import agent
from components import namespaces
from components.platforms.eks import transaction_search
from components.platforms.eks.cluster import EksCluster, irsa_trust
from components.platforms.eks.container_insights_agent import CONTAINER_INSIGHTS_AGENT
from components.platforms.eks.exporters import AwsBackends
from components.platforms.eks.log_groups import log_group
from components.settings import KitConfig

# What the exporters call (opentelemetry-collector-contrib internal/aws/cwlogs): PutLogEvents,
# and CreateLogStream when the stream is missing. CreateLogGroup / PutRetentionPolicy /
# TagResource only follow a missing group, which cannot happen here.
LOG_ACTIONS = ("logs:PutLogEvents", "logs:CreateLogStream")
# X-Ray's OTLP endpoint (otlp_http/xray): the Service Authorization Reference's span actions,
# PutSpans for the spans and PutSpansForIndexing for the share Transaction Search indexes as
# trace summaries. No PutTraceSegments / PutTelemetryRecords: the kit no longer sends segments.
XRAY_ACTIONS = ("xray:PutSpans", "xray:PutSpansForIndexing")
# awscontainerinsightreceiver on each node: the instance's tags (cluster and autoscaling group
# name) and its EBS volumes (disk metrics). Neither API supports resource-level permissions.
EC2_ACTIONS = ("ec2:DescribeTags", "ec2:DescribeVolumes")


@dataclass(frozen=True)
class CloudWatchWorkspaceArgs:
    """Where the collectors write and which service accounts may assume the role."""

    cluster_name: str
    region: str
    retention_days: int
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]  # https://oidc.eks.<region>.amazonaws.com/id/<id>
    # (namespace, name) of the node and cluster agents' ServiceAccounts
    service_accounts: tuple[tuple[str, str], ...]


class CloudWatchWorkspace(pulumi.ComponentResource):
    """Log groups (Container Insights performance, application logs, Kubernetes events), the
    collectors' IRSA role, allowed to write exactly there, to X-Ray and to read EC2 tags, and
    Transaction Search (transaction_search.py)."""

    log_groups: dict[str, aws.cloudwatch.LogGroup]
    trace_destination: pulumi.Resource
    role: aws.iam.Role
    next_steps: dict[str, pulumi.Input[str]]

    def __init__(
        self, name: str, args: CloudWatchWorkspaceArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:workspace:CloudWatch", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._backends = AwsBackends(
            region=args.region,
            cluster_name=args.cluster_name,
            application_log_group=log_group("application", args.cluster_name),
            events_log_group=log_group("events", args.cluster_name),
        )
        groups = {
            "performance": self._backends.performance_log_group,
            "application": self._backends.application_log_group,
            "events": self._backends.events_log_group,
        }
        self.log_groups = {
            key: aws.cloudwatch.LogGroup(
                f"{name}-{key}",
                name=group,
                retention_in_days=args.retention_days,
                opts=child,
            )
            for key, group in groups.items()
        }
        # The app's Fargate sidecars forward OTLP to the cluster agent, so no app pod needs AWS
        # credentials: the role trusts the two collector service accounts and nothing else.
        self.role = aws.iam.Role(
            f"{name}-collector",
            description=f"IRSA role of the o11y-kit collectors of {args.cluster_name}",
            assume_role_policy=pulumi.Output.all(
                args.oidc_provider_arn, args.oidc_issuer_url
            ).apply(lambda a: json.dumps(irsa_trust(a[0], a[1], list(args.service_accounts)))),
            opts=child,
        )
        arns = [group.arn for group in self.log_groups.values()]
        aws.iam.RolePolicy(
            f"{name}-collector-write",
            role=self.role.id,
            policy=pulumi.Output.all(*arns).apply(
                lambda resolved: json.dumps(collector_policy(resolved))
            ),
            opts=child,
        )
        self.trace_destination = transaction_search.enable(
            name, args.cluster_name, args.region, self
        )
        self.next_steps = next_steps(self._backends)
        self.register_outputs(
            {
                "role_arn": self.role.arn,
                "log_groups": {key: group.name for key, group in self.log_groups.items()},
            }
        )

    @property
    def agent_backends(self) -> AwsBackends:
        """What the collectors need: region, cluster, log group names and the role to assume
        (an Output; the agent only writes it into the ServiceAccount annotation)."""
        return dataclasses.replace(self._backends, irsa_role_arn=self.role.arn)


def collector_policy(log_group_arns: list[str]) -> dict:
    """Write into the stack's log groups only, put spans, read EC2 tags and volumes.

    `<group ARN>:*` (CloudWatch Logs docs, "Overview of managing access permissions") matches the
    group and every stream in it, and no other group, since names cannot contain ':'."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteStackLogGroups",
                "Effect": "Allow",
                "Action": list(LOG_ACTIONS),
                "Resource": [f"{arn}:*" for arn in log_group_arns],
            },
            {
                "Sid": "PutTraces",
                "Effect": "Allow",
                "Action": list(XRAY_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "ContainerInsightsHostInfo",
                "Effect": "Allow",
                "Action": list(EC2_ACTIONS),
                "Resource": "*",
            },
        ],
    }


def next_steps(backends: AwsBackends) -> dict[str, str]:
    """Console links and ready-to-paste CloudWatch Logs Insights queries, with the log groups to
    pick for them (Logs Insights runs a query on the groups selected in the console)."""
    region = backends.region
    console = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
    return {
        "container_insights": f"{console}#container-insights:infrastructure",
        "xray_trace_map": f"{console}#xray:service-map/map",
        "logs_insights": f"{console}#logsV2:logs-insights",
        "log_group_application": backends.application_log_group,
        "log_group_events": backends.events_log_group,
        "logs_query_trace": (  # in log_group_application
            "fields @timestamp, resource.k8s.pod.name, body "
            "| filter trace_id = '<trace id>' or @message like '<trace id>' "
            "| sort @timestamp asc"
        ),
        "logs_query_events": (  # in log_group_events
            "fields @timestamp, body.object.reason, body.object.regarding.kind, "
            "body.object.regarding.name, body.object.note "
            "| sort @timestamp desc | limit 100"
        ),
        "logs_query_errors_per_tier": (  # in log_group_application
            "filter severity_number >= 17 or @message like /(?i)error/ "
            "| stats count(*) as errors by resource.service.name, bin(5m)"
        ),
    }


def build(config: KitConfig, cluster: EksCluster) -> CloudWatchWorkspace:
    """Registry entry: the eks stack's workspace, in the cluster's region (its AWS provider) and
    trusting its OIDC provider."""
    return CloudWatchWorkspace(
        f"{config.name}-ws",
        CloudWatchWorkspaceArgs(
            cluster_name=config.name,
            region=config.cluster.region,
            retention_days=config.log_retention_days,
            oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_issuer_url=cluster.oidc_issuer,
            service_accounts=(
                (namespaces.NODE.name, agent.NODE_AGENT),
                (namespaces.NODE.name, CONTAINER_INSIGHTS_AGENT),
                (namespaces.AGENT.name, agent.CLUSTER_AGENT),
                # the sidecars' gateway writes to CloudWatch and X-Ray; the Fargate kubelet
                # scraper writes only to Prometheus and gets no role
                *([(namespaces.AGENT.name, agent.FARGATE_GATEWAY)] if cluster.has_fargate else []),
            ),
        ),
        opts=pulumi.ResourceOptions(providers={"aws": cluster.aws_provider}),
    )
