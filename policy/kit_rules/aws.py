"""AWS rules: node and role credentials out of other pods' reach, NetworkPolicies that the VPC
CNI enforces, log groups that do not grow forever."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .base import Props, Resource

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_ADDON = "aws:eks/addon:Addon"
# IRSA (EKS user guide, "Assign IAM roles to Kubernetes service accounts"): the token's audience,
# and its subject, which names one service account; `default` is every pod without its own.
STS_AUDIENCE = "sts.amazonaws.com"
SERVICE_ACCOUNT_SUBJECT = re.compile(r"system:serviceaccount:[a-z0-9.-]+:[a-z0-9.-]+")
OIDC_PROVIDER_ARN = re.compile(r"arn:[\w-]+:iam::\d+:oidc-provider/(?P<issuer>.+)")


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


def irsa_trust_conditions(resource_type: str, props: Props) -> list[str]:
    """A role trusted by an OIDC provider (a cluster's service-account tokens) names, with
    StringEquals, exactly the service accounts that may assume it and the STS audience: without
    `:sub` any pod of the cluster could take the role."""
    if resource_type != ROLE:
        return []
    problems = []
    for i, statement in enumerate(_statements(props.get("assumeRolePolicy"))):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        federated = principal.get("Federated") if isinstance(principal, Mapping) else None
        for provider in _as_list(federated):
            if match := OIDC_PROVIDER_ARN.fullmatch(str(provider)):
                problems += [f"statement {i}: {p}" for p in _irsa_problems(statement, match)]
    return problems


def eks_vpc_cni_network_policy(resources: list[Resource]) -> list[str]:
    """The VPC CNI enforces NetworkPolicies only with its network policy agent enabled; without
    it every NetworkPolicy of an eks cluster is accepted and does nothing. Add-ons are counted,
    not matched by cluster name: that name is unknown until the cluster exists."""
    clusters = [r for r in resources if r.type == EKS_CLUSTER]
    cnis = [r for r in resources if r.type == EKS_ADDON and r.props.get("addonName") == "vpc-cni"]
    problems = [
        f"vpc-cni add-on {r.name!r}: configurationValues lack "
        '{"enableNetworkPolicy": "true"}: NetworkPolicies would not be enforced'
        for r in cnis
        if _json(r.props.get("configurationValues")).get("enableNetworkPolicy") != "true"
    ]
    if len(cnis) < len(clusters):
        problems.append(
            f"{len(clusters)} EKS cluster(s) but {len(cnis)} vpc-cni add-on(s): a cluster keeps "
            "the bootstrapped VPC CNI, which does not enforce NetworkPolicies"
        )
    return problems


def _irsa_problems(statement: Mapping[str, Any], provider: re.Match) -> list[str]:
    issuer = provider["issuer"]
    equals = (statement.get("Condition") or {}).get("StringEquals") or {}
    subjects = _as_list(equals.get(f"{issuer}:sub"))
    problems = []
    if not subjects:
        problems.append(f"no StringEquals on {issuer}:sub: every service account could assume it")
    for subject in map(str, subjects):
        if not SERVICE_ACCOUNT_SUBJECT.fullmatch(subject):
            problems.append(
                f"{issuer}:sub {subject!r} is not one service account "
                "(system:serviceaccount:<namespace>:<name>)"
            )
        elif subject.endswith(":default"):
            problems.append(
                f"{issuer}:sub {subject!r}: every pod without its own account runs as it"
            )
    if _as_list(equals.get(f"{issuer}:aud")) != [STS_AUDIENCE]:
        problems.append(f"StringEquals {issuer}:aud must be {STS_AUDIENCE!r}")
    return problems


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    document = _json(policy)
    return _as_list(document.get("Statement"))


def _json(value: Any) -> Mapping[str, Any]:
    """A JSON document given as text (how the kit passes it) or already parsed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _as_list(value: Any) -> list:
    """IAM lets a single value stand for a one-element list."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]
