"""eks: CloudWatch Transaction Search, which X-Ray's OTLP endpoint requires before it takes spans.

Enabling it is the two steps of the CloudWatch docs ("Using Transaction Search with AWS
CloudFormation": AWS::Logs::ResourcePolicy, then AWS::XRay::TransactionSearchConfig; "Enable
transaction search" with the API): a CloudWatch Logs resource policy letting X-Ray write the
`aws/spans` log group, then X-Ray's trace segment destination set to CloudWatchLogs
(UpdateTraceSegmentDestination; pulumi-aws `aws.xray.TraceSegmentDestination`).

Both are account settings of the region. The destination has no delete (the provider's docs:
removing the resource leaves the setting as it is), so `destroy` removes the policy but leaves
Transaction Search on and the `aws/spans` group X-Ray creates (docs/stacks.md, eks leftovers).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.platforms.eks.log_groups import SPANS_LOG_GROUP

DESTINATION = "CloudWatchLogs"


def spans_policy(partition: str, region: str, account: str) -> dict:
    """X-Ray may put log events into `aws/spans` of this account and region, and only when the
    call comes from X-Ray in this account (the docs' condition, against a confused deputy).
    The docs' policy also names `/aws/application-signals/data`, which only Application
    Signals writes; the kit does not turn it on."""
    spans = f"arn:{partition}:logs:{region}:{account}:log-group:{SPANS_LOG_GROUP}:*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TransactionSearchXRayAccess",
                "Effect": "Allow",
                "Principal": {"Service": "xray.amazonaws.com"},
                "Action": "logs:PutLogEvents",
                "Resource": spans,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:xray:{region}:{account}:*"},
                    "StringEquals": {"aws:SourceAccount": account},
                },
            }
        ],
    }


def enable(name: str, cluster_name: str, region: str, parent: pulumi.Resource) -> pulumi.Resource:
    """The policy, then the destination that depends on it; returns the destination, which the
    collectors' exports need."""
    child = pulumi.ResourceOptions(parent=parent)
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    account = aws.get_caller_identity_output(opts=invoke).account_id
    partition = aws.get_partition_output(opts=invoke).partition
    policy = aws.cloudwatch.LogResourcePolicy(
        f"{name}-transaction-search",
        policy_name=f"{cluster_name}-transaction-search",
        policy_document=pulumi.Output.all(partition, account).apply(
            lambda resolved: json.dumps(spans_policy(resolved[0], region, resolved[1]))
        ),
        opts=child,
    )
    return aws.xray.TraceSegmentDestination(
        f"{name}-trace-destination",
        destination=DESTINATION,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy]),
    )
