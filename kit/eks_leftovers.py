"""The one thing an eks stack can leave behind: its control-plane log group, recreated by EKS.

The stack creates `/aws/eks/<cluster>/cluster` (with retention) before the cluster and deletes it
after the cluster, yet EKS can still deliver the last control-plane log lines after the cluster
is gone and, through its service-linked role, create the group again (terraform-aws-eks #1019,
#2446: even a Deny on logs:CreateLogGroup does not stop it, #2763: nor does deleting the group
last). The next `pulumi up` of the same stack then fails with ResourceAlreadyExistsException.
So `make destroy` runs this after `pulumi destroy`, and `make up` before `pulumi up` (the group
may come back minutes later), as run-x/opta settled on (#708).

It deletes only what the stack created and can prove: the group named after this stack's
cluster (`o11y-kit-<stack>`, a name unique to the stack), and only while that cluster does not
exist, i.e. the group outlived the cluster it belonged to. Anything else is left alone.
"""

from __future__ import annotations

import argparse
import sys

from components.settings import PROJECT
from kit import stackfile


def log_group_name(stack: str) -> str:
    return f"/aws/eks/{PROJECT}-{stack}/cluster"


def remove_leftover_log_group(stack: str, session) -> str:
    """Delete the stack's control-plane log group if its cluster is gone; says what it did."""
    cluster = f"{PROJECT}-{stack}"
    group = log_group_name(stack)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.eks_leftovers", description=__doc__)
    parser.add_argument("--stack", required=True, choices=stackfile.names())
    args = parser.parse_args(argv)
    try:
        config = stackfile.read(args.stack).config
    except (OSError, ValueError) as err:
        print(f"eks-leftovers: {err}", file=sys.stderr)
        return 2
    if config.get(f"{PROJECT}:cloud") != "eks":
        return 0  # nothing of this kind on aks or local
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.Session(region_name=config.get(f"{PROJECT}:region"))
        print(f"eks-leftovers: {remove_leftover_log_group(args.stack, session)}")
    except (BotoCoreError, ClientError) as err:
        print(
            f"eks-leftovers: could not check {log_group_name(args.stack)} ({err}); if `up` "
            "fails with ResourceAlreadyExists, delete it with aws logs delete-log-group "
            f"--log-group-name {log_group_name(args.stack)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
