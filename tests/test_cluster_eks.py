"""The eks stack's cluster: VPC layout, control plane, node group, Fargate profile, ordering."""

from __future__ import annotations

import yaml
from helpers import EKS, FARGATE_PROFILE, K8S_PROVIDER, LOG_GROUP, NAT, NODE_GROUP, SUBNET, one

from components import versions
from kit.offline import Secret


def _subnets(ev, role):
    return [s for s in ev.of_type(SUBNET) if f"kubernetes.io/role/{role}" in s.inputs["tags"]]


def test_vpc_has_public_and_private_subnets_in_two_zones_and_one_nat(evaluated):
    ev = evaluated("eks")
    public, private = _subnets(ev, "elb"), _subnets(ev, "internal-elb")
    assert len(public) == len(private) == 2
    assert {s.inputs["availabilityZone"] for s in private} == {
        "ap-northeast-1a",
        "ap-northeast-1c",
    }
    assert all(s.inputs.get("mapPublicIpOnLaunch") for s in public)
    assert not any(s.inputs.get("mapPublicIpOnLaunch") for s in private)
    assert len(ev.of_type(NAT)) == 1


def test_control_plane_uses_access_entries_standard_support_and_logs_to_its_own_group(evaluated):
    ev = evaluated("eks")
    cluster = one(ev, EKS)
    assert cluster.inputs["version"] == versions.K8S_DEFAULT
    assert cluster.inputs["accessConfig"]["authenticationMode"] == "API"
    assert cluster.inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is True
    assert cluster.inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    assert cluster.inputs["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    log_group = one(ev, LOG_GROUP)
    assert log_group.inputs["name"] == "/aws/eks/o11y-kit-eks/cluster"
    assert log_group.inputs["retentionInDays"] == 30
    assert log_group.urn in cluster.dependencies  # exists before EKS would create it itself


def test_nodes_and_fargate_pods_run_in_private_subnets(evaluated):
    ev = evaluated("eks")
    private_ids = {f"{s.name}-id" for s in _subnets(ev, "internal-elb")}
    nodes = one(ev, NODE_GROUP).inputs
    assert set(nodes["subnetIds"]) == private_ids
    assert nodes["instanceTypes"] == ["t3.large"]
    assert nodes["scalingConfig"]["desiredSize"] == 2
    profile = one(ev, FARGATE_PROFILE).inputs
    assert set(profile["subnetIds"]) == private_ids
    assert profile["selectors"] == [
        {"namespace": "o11y-app", "labels": {"o11y-kit/compute": "fargate"}}
    ]


def test_kube_provider_waits_for_nodes_and_fargate_and_uses_aws_eks_get_token(evaluated):
    ev = evaluated("eks")
    provider = one(ev, K8S_PROVIDER)
    assert one(ev, NODE_GROUP).urn in provider.dependencies
    assert one(ev, FARGATE_PROFILE).urn in provider.dependencies
    assert isinstance(provider.inputs["kubeconfig"], Secret)
    kubeconfig = yaml.safe_load(provider.inputs["kubeconfig"].value)
    exec_ = kubeconfig["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"][:4] == ["eks", "get-token", "--cluster-name", "o11y-kit-eks"]
    assert "ap-northeast-1" in exec_["args"]
