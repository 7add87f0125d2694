"""AWS rules: node credentials out of pods' reach, log groups that do not grow forever."""

from __future__ import annotations

from .base import Props

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def imds_hop_limit_one(resource_type: str, props: Props) -> list[str]:
    """IMDSv2 (a session token) with one hop: a pod in its own network namespace is a hop
    further and gets no answer, so it cannot take the node role's credentials."""
    if resource_type != LAUNCH_TEMPLATE:
        return []
    options = props.get("metadataOptions") or {}
    problems = []
    if options.get("httpTokens") != "required":
        problems.append("metadataOptions.httpTokens must be 'required' (IMDSv2 only)")
    if options.get("httpPutResponseHopLimit") != 1:
        problems.append(
            "metadataOptions.httpPutResponseHopLimit must be 1, got "
            f"{options.get('httpPutResponseHopLimit')!r} (pods could reach the node's role)"
        )
    return problems


def log_group_retention(resource_type: str, props: Props) -> list[str]:
    if resource_type != LOG_GROUP:
        return []
    if not props.get("retentionInDays"):
        return [f"log group {props.get('name')!r} has no retentionInDays: it would never expire"]
    return []
