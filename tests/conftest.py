"""Shared fixtures: the recording mock engine and offline evaluations of the real program.

The engine itself lives in kit/offline.py (token constants, camelCase mocked outputs for
clusters, identities and invokes) because `python -m kit plan` uses it too; the tests therefore
assert on exactly what `plan` writes out. Each stack file is evaluated once per session.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kit import offline  # noqa: E402

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

_cache: dict[str, offline.Evaluation] = {}


@pytest.fixture
def evaluated():
    """evaluated(stack) -> the Evaluation of that stack file as committed (cached)."""

    def get(stack: str) -> offline.Evaluation:
        if stack not in _cache:
            _cache[stack] = offline.evaluate(stack)
        return _cache[stack]

    return get


@pytest.fixture
def evaluate():
    """evaluate(stack, **overrides) -> a fresh Evaluation with config keys overridden."""

    def run(stack: str, **overrides) -> offline.Evaluation:
        return offline.evaluate(stack, overrides)

    return run


def one(evaluation: offline.Evaluation, type_: str) -> offline.Registered:
    """The single resource of a type; fails with the types present if there is not exactly one."""
    found = evaluation.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
    return found[0]
