"""The one thing an eks stack can leave behind that breaks the next `up`: its control-plane log
group, recreated by EKS. (Transaction Search stays on by design: transaction_search.py.)

EKS can deliver the last control-plane log lines after the cluster is gone and, through its
service-linked role, create `/aws/eks/<cluster>/cluster` again (terraform-aws-eks #1019, #2446,
#2763: neither a Deny on logs:CreateLogGroup nor deleting the group last stops it); the next
`pulumi up` then fails with ResourceAlreadyExistsException. So `make destroy` runs this
(python -m kit.eks_leftovers) after `pulumi destroy` and `make up` before `pulumi up`, as
run-x/opta settled on (#708).

It deletes only the group named after this stack's cluster, while that cluster does not exist
and the stack's state (`pulumi stack export`, no passphrase needed) does not hold the group: a
half-created stack keeps managing it. Without a readable state nothing is deleted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from components.platforms.eks.log_groups import log_group
from components.settings import PROJECT


def log_group_name(stack: str) -> str:
    return log_group("control_plane", f"{PROJECT}-{stack}")


LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup"
EXPORT_TIMEOUT_SECONDS = 120


class StateUnreadableError(Exception):
    """The stack's state could not be read; the message says why."""


def log_groups_in_state(stack: str) -> frozenset[str]:
    """Names of the CloudWatch log groups the stack's current state holds, including one whose
    create or delete was interrupted (a pending operation): `pulumi stack export` (apitype
    DeploymentV3: deployment.resources and deployment.pending_operations[].resource)."""
    command = ["pulumi", "stack", "export", "--stack", stack]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise StateUnreadableError("the Pulumi CLI is not installed") from None
    except subprocess.TimeoutExpired:
        raise StateUnreadableError(
            f"`{' '.join(command)}` took over {EXPORT_TIMEOUT_SECONDS} s"
        ) from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise StateUnreadableError(f"`{' '.join(command)}` failed: {said}")
    try:
        deployment = json.loads(done.stdout)["deployment"]
        resources = list(deployment.get("resources") or [])
        resources += [op["resource"] for op in deployment.get("pending_operations") or []]
        names = set()
        for resource in resources:
            if resource["type"] != LOG_GROUP_TYPE:
                continue
            outputs, inputs = resource.get("outputs") or {}, resource.get("inputs") or {}
            name = outputs.get("name") or inputs["name"]  # a pending create has inputs only
            if not isinstance(name, str):  # e.g. a secret: which group it is cannot be proven
                raise TypeError(f"log group {resource.get('urn')} has no plain name")
            names.add(name)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        said = f"`{' '.join(command)}` gave no readable state ({err})"
        raise StateUnreadableError(said) from None
    return frozenset(names)


def remove_leftover_log_group(stack: str, session, in_state: frozenset[str]) -> str:
    """Delete the stack's control-plane log group if the stack's state does not hold it and its
    cluster is gone; says what it did."""
    cluster = f"{PROJECT}-{stack}"
    group = log_group_name(stack)
    if group in in_state:
        return f"{group} is in stack {stack}'s state: Pulumi manages it, left alone"
    eks = session.client("eks")
    try:
        eks.describe_cluster(name=cluster)
        return f"cluster {cluster} exists: its log group {group} is in use, left alone"
    except eks.exceptions.ResourceNotFoundException:
        pass
    logs = session.client("logs")
    found = logs.describe_log_groups(logGroupNamePrefix=group).get("logGroups", [])
    if not any(g["logGroupName"] == group for g in found):
        return f"no leftover log group {group}"
    logs.delete_log_group(logGroupName=group)
    return f"deleted {group}: EKS recreated it after cluster {cluster} was deleted"


def clean(stack: str, config: Mapping[str, Any]) -> None:
    """Delete the stack's leftover control-plane log group if it can prove it is one; prints one
    line saying what it did (stderr when it could not check)."""
    group = log_group_name(stack)
    try:
        in_state = log_groups_in_state(stack)
    except StateUnreadableError as err:
        print(
            f"eks-leftovers: {group} left alone: could not read stack {stack}'s state "
            f"({err}); if `up` fails with ResourceAlreadyExists and `pulumi stack export` does "
            f"not list it, delete it with aws logs delete-log-group --log-group-name {group}",
            file=sys.stderr,
        )
        return
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.Session(region_name=config.get(f"{PROJECT}:region"))
        print(f"eks-leftovers: {remove_leftover_log_group(stack, session, in_state)}")
    except (BotoCoreError, ClientError) as err:
        print(
            f"eks-leftovers: could not check {group} ({err}); if `up` "
            "fails with ResourceAlreadyExists, delete it with aws logs delete-log-group "
            f"--log-group-name {group}",
            file=sys.stderr,
        )
