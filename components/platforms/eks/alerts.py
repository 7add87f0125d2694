"""eks node-health alerts: two CloudWatch alarms mailing an SNS topic.

- node NotReady or Unknown, from the Ready condition the cluster agent exports (k8s_cluster ->
  awsemf, agent/exporters.py);
- node pressure, from Container Insights' cluster_failed_node_count, which counts Memory/Disk/
  PID pressure and NetworkUnavailable but never looks at Ready (agent_facts §5), hence both.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.platforms.eks.cluster import EksCluster
from components.platforms.eks.exporters import (
    NODE_READY_DIMENSIONS,
    NODE_READY_METRIC,
    NODE_READY_NAMESPACE,
)
from components.settings import KitConfig

# In alarm after 5 bad minutes in a row, OK after one good one. No OK actions: a new alarm starts
# in INSUFFICIENT_DATA, so they would mail "OK" on every first deploy.
PERIOD_SECONDS = 60
EVALUATION_PERIODS = 5
# The cluster-wide dimension set the cluster agent declares for the Ready metric: every node's
# datapoints land in it, so its Minimum is the worst node's value.
READY_DIMENSIONS = NODE_READY_DIMENSIONS[0]
CONTAINER_INSIGHTS = "ContainerInsights"
FAILED_NODES_METRIC = "cluster_failed_node_count"


@dataclass(frozen=True)
class CloudWatchAlertsArgs:
    """Which cluster to watch and whom to tell."""

    cluster_name: str
    region: str
    emails: tuple[str, ...]


class CloudWatchAlerts(pulumi.ComponentResource):
    """SNS topic (e-mail subscriptions, if any) and the two node alarms, which notify it when
    they fire (and, for the Ready alarm, when the metric stops arriving)."""

    topic: aws.sns.Topic
    not_ready: aws.cloudwatch.MetricAlarm
    pressure: aws.cloudwatch.MetricAlarm
    next_steps: dict[str, pulumi.Input[str]]

    def __init__(
        self, name: str, args: CloudWatchAlertsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:alerts:CloudWatchNodeHealth", name, None, opts)
        child = options.children(self, opts)
        cluster = args.cluster_name
        self.topic = aws.sns.Topic(f"{name}-topic", name=f"{cluster}-alerts", opts=child)
        for i, email in enumerate(args.emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{i}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
        notify = [self.topic.arn]
        every_minute_for_5 = {
            "period": PERIOD_SECONDS,
            "evaluation_periods": EVALUATION_PERIODS,
            "datapoints_to_alarm": EVALUATION_PERIODS,
            "alarm_actions": notify,
            "opts": child,
        }
        self.not_ready = aws.cloudwatch.MetricAlarm(
            f"{name}-node-not-ready",
            name=f"{cluster}-node-not-ready",
            alarm_description=(
                f"A node of {cluster} has been NotReady or Unknown for 5 minutes (ALARM), or the "
                "cluster agent stopped reporting node conditions (INSUFFICIENT_DATA)."
            ),
            namespace=NODE_READY_NAMESPACE,
            metric_name=NODE_READY_METRIC,
            dimensions=dict.fromkeys(READY_DIMENSIONS, cluster),
            # 1 Ready, 0 NotReady, -1 Unknown: the minimum over all nodes is below 1 as soon as
            # any one node is not Ready (an average would hide one bad node among healthy ones).
            statistic="Minimum",
            comparison_operator="LessThanThreshold",
            threshold=1,
            # "missing": a silent cluster agent goes INSUFFICIENT_DATA, which mails too, while a
            # fresh deploy stays in its initial state without a mail ("breaching" would mail
            # ALARM if the first metric is slow; "notBreaching" would clear a firing alarm).
            treat_missing_data="missing",
            insufficient_data_actions=notify,
            **every_minute_for_5,
        )
        self.pressure = aws.cloudwatch.MetricAlarm(
            f"{name}-node-pressure",
            name=f"{cluster}-node-pressure",
            alarm_description=(
                f"A node of {cluster} has had memory, disk or PID pressure or no network for 5 "
                "minutes, or was lost: a node that stops reporting has its conditions set to "
                "Unknown, which counts as failed (Container Insights cluster_failed_node_count)."
            ),
            namespace=CONTAINER_INSIGHTS,
            metric_name=FAILED_NODES_METRIC,
            dimensions={"ClusterName": cluster},
            statistic="Maximum",
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            # Not breaching: only the receiver's elected leader emits this count, so it gaps
            # across leader changes and node-agent rollouts; a silent or lost node is the
            # not-ready alarm's job, which treats silence as breaching.
            treat_missing_data="notBreaching",
            **every_minute_for_5,
        )
        self.next_steps = next_steps(args, self.topic.arn)
        self.register_outputs(
            {
                "topic_arn": self.topic.arn,
                "alarms": [self.not_ready.name, self.pressure.name],
            }
        )


def next_steps(args: CloudWatchAlertsArgs, topic_arn: pulumi.Output[str]) -> dict:
    """Alarm console links, and how alerts reach a mailbox."""
    region, cluster = args.region, args.cluster_name
    console = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
    if args.emails:
        subscribe = pulumi.Output.from_input(
            f"confirm the mail AWS sent to {', '.join(args.emails)} (Confirm subscription); "
            "alerts are only delivered after that"
        )
    else:
        subscribe = pulumi.Output.concat(
            "no alertEmails set: `pulumi config set --path 'alertEmails[0]' you@example.com` "
            f"and `pulumi up`, or `aws sns subscribe --region {region} --topic-arn ",
            topic_arn,
            " --protocol email --notification-endpoint you@example.com`; then confirm the mail",
        )
    return {
        "alarm_node_not_ready": f"{console}#alarmsV2:alarm/{cluster}-node-not-ready",
        "alarm_node_pressure": f"{console}#alarmsV2:alarm/{cluster}-node-pressure",
        "alert_subscriptions": subscribe,
    }


def build(
    config: KitConfig, cluster: EksCluster, opts: pulumi.ResourceOptions | None = None
) -> CloudWatchAlerts:
    """Registry entry: the eks stack's node alarms, in the cluster's region. Pass
    depends_on=[the agent] in `opts` so the alarms start once the metric is being written."""
    providers = pulumi.ResourceOptions(providers={"aws": cluster.aws_provider})
    return CloudWatchAlerts(
        f"{config.name}-alerts",
        CloudWatchAlertsArgs(
            cluster_name=config.name,
            region=config.cluster.region,
            emails=config.alerting.emails,
        ),
        opts=providers.merge(opts),
    )
