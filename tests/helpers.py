"""Shared test constants and helpers (a module of its own: `conftest` names are ambiguous when
several test folders have one)."""

from __future__ import annotations

from pathlib import Path

from kit import offline

ROOT = Path(__file__).resolve().parent.parent
STACK_NAMES = [p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in offline.stacks()]

# Resource types (tokens) the tests look for.
NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_PROVIDER = "pulumi:providers:kubernetes"
AKS = "azure-native:containerservice:ManagedCluster"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
EKS = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
FARGATE_PROFILE = "aws:eks/fargateProfile:FargateProfile"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"


def one(evaluation: offline.Evaluation, type_: str) -> offline.Registered:
    """The single resource of a type; fails with the names found if there is not exactly one."""
    found = evaluation.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
    return found[0]
