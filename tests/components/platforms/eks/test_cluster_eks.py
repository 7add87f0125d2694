"""The eks stack's cluster: VPC layout, control plane, add-ons, OIDC provider, node group, Fargate
profiles, and the create/delete order everything in the cluster relies on."""

from __future__ import annotations

import json
import re

import yaml

from components import versions
from components.platforms.eks.cluster import FARGATE_SELECTORS, EksCluster, EksClusterArgs
from components.versions import EKS_ADDON_VERSIONS
from kit.plan.offline import Secret
from tests.components.platforms.eks.eks_evaluation import OIDC, run_program
from tests.helpers import (
    EKS,
    FARGATE_PROFILE,
    K8S_PROVIDER,
    LOG_GROUP,
    NAT,
    NODE_GROUP,
    SUBNET,
    one,
)

K8S = versions.K8S_DEFAULT


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
    (log_group,) = [
        g for g in ev.of_type(LOG_GROUP) if g.inputs["name"] == "/aws/eks/o11y-kit-eks/cluster"
    ]
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


# --- add-ons, OIDC, Fargate chaining, teardown order --------------------------------------------

ADDON = "aws:eks/addon:Addon"
NETWORK_TYPES = (
    "aws:ec2/vpc:Vpc",
    "aws:ec2/internetGateway:InternetGateway",
    SUBNET,
    "aws:ec2/eip:Eip",
    NAT,
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
)


def _addons(ev):
    return {a.inputs["addonName"]: a for a in ev.of_type(ADDON)}


def test_core_addons_are_eks_addons_pinned_for_the_cluster_version(evaluated):
    ev = evaluated("eks")
    addons = _addons(ev)
    assert set(addons) == {"vpc-cni", "kube-proxy", "coredns"}  # no pod identity agent: IRSA
    for name, addon in addons.items():
        assert addon.inputs["addonVersion"] == EKS_ADDON_VERSIONS[name][versions.K8S_DEFAULT]
        assert addon.inputs["clusterName"] == "o11y-kit-eks"
        assert addon.inputs["resolveConflictsOnCreate"] == "OVERWRITE"
    assert addons["kube-proxy"].inputs["addonVersion"].startswith(f"v{versions.K8S_DEFAULT}.")
    assert not [t for t, _ in ev.invokes if t.startswith("aws:eks/")]  # nothing left to EKS


def test_addon_pins_are_eks_build_versions():
    """major.minor.patch-eksbuild.N, the only form CreateAddon accepts."""
    for by_k8s in EKS_ADDON_VERSIONS.values():
        for version in by_k8s.values():
            assert re.fullmatch(r"v\d+\.\d+\.\d+-eksbuild\.\d+", version), version


def test_every_supported_kubernetes_version_has_an_entry_per_addon(evaluate):
    supported = list(versions.MANAGED_K8S["eks"])
    for by_k8s in EKS_ADDON_VERSIONS.values():
        assert sorted(by_k8s) == supported
    ev = evaluate("eks", kubernetesVersion=supported[0])
    assert _addons(ev)["kube-proxy"].inputs["addonVersion"].startswith(f"v{supported[0]}.")


def test_coredns_waits_for_nodes_and_nodes_wait_for_the_node_daemonsets(evaluated):
    ev = evaluated("eks")
    addons, nodes = _addons(ev), one(ev, NODE_GROUP)
    assert nodes.urn in addons["coredns"].dependencies
    assert {addons["vpc-cni"].urn, addons["kube-proxy"].urn} <= set(nodes.dependencies)


def test_oidc_provider_trusts_the_cluster_issuer_for_sts(evaluated):
    ev = evaluated("eks")
    provider = one(ev, OIDC).inputs
    assert provider["url"] == one(ev, EKS).outputs["identities"][0]["oidcs"][0]["issuer"]
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]


def test_kube_provider_waits_for_nodes_profiles_and_addons(evaluated):
    ev = evaluated("eks")
    deps = set(one(ev, K8S_PROVIDER).dependencies)
    assert {one(ev, NODE_GROUP).urn, one(ev, FARGATE_PROFILE).urn} <= deps
    assert {a.urn for a in ev.of_type(ADDON)} <= deps


def test_teardown_removes_everything_in_the_cluster_before_nodes_and_network(evaluated):
    """Reverse dependency order is delete order: every in-cluster object uses the kube provider,
    which depends on the nodes and profiles, which depend on every network resource (NAT and
    routes included), so LoadBalancer Services go before the subnets, gateways and VPC."""
    ev = evaluated("eks")
    provider = one(ev, K8S_PROVIDER)
    in_cluster = [r for r in ev.resources if r.custom and r.type.startswith("kubernetes:")]
    assert in_cluster and all(r.provider.startswith(provider.urn) for r in in_cluster)
    network = {r.urn for t in NETWORK_TYPES for r in ev.of_type(t)}
    assert len(network) == 1 + 1 + 4 + 1 + 1 + 2 + 4
    assert network <= set(one(ev, NODE_GROUP).dependencies)
    assert network <= set(one(ev, FARGATE_PROFILE).dependencies)


def _cluster_with_profiles(groups):
    args = EksClusterArgs(
        cluster_name="o11y-kit-eks",
        region="ap-northeast-1",
        kubernetes_version=versions.K8S_DEFAULT,
        node_count=2,
        instance_type="t3.large",
        log_retention_days=30,
        fargate_profiles=groups,
    )
    return lambda: EksCluster("o11y-kit-eks", args)


def test_fargate_profiles_are_created_one_after_another():
    second = ({"namespace": "o11y-batch"},)
    ev, cluster = run_program(_cluster_with_profiles((FARGATE_SELECTORS, second)))
    first, then = ev.of_type(FARGATE_PROFILE)
    assert [p.inputs["selectors"] for p in (first, then)] == [
        [{"namespace": "o11y-app", "labels": {"o11y-kit/compute": "fargate"}}],
        [{"namespace": "o11y-batch"}],
    ]
    assert first.urn in then.dependencies
    assert then.urn not in first.dependencies
    assert {first.urn, then.urn} <= set(one(ev, K8S_PROVIDER).dependencies)
    assert cluster.has_fargate


def test_no_fargate_profile_and_no_pod_role_without_selector_groups():
    ev, cluster = run_program(_cluster_with_profiles(()))
    assert ev.of_type(FARGATE_PROFILE) == []
    roles = [r.inputs["assumeRolePolicy"] for r in ev.of_type("aws:iam/role:Role")]
    assert not any("eks-fargate-pods" in policy for policy in roles)
    assert not cluster.has_fargate


def test_next_steps_give_the_kubeconfig_command_and_the_console(evaluated):
    steps = evaluated("eks").outputs["next_steps"]
    assert steps["credentials"] == (
        "aws eks update-kubeconfig --region ap-northeast-1 --name o11y-kit-eks"
    )
    assert steps["cluster_console"].endswith("#/clusters/o11y-kit-eks")


def test_imdsv2_answers_the_node_only_not_pods_in_their_own_network(evaluated):
    ev = evaluated("eks")
    (template,) = ev.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    nodes = one(ev, NODE_GROUP).inputs
    assert nodes["launchTemplate"] == {"id": f"{template.name}-id", "version": "1"}
    assert "instanceTypes" in nodes  # the template sets no instance type, the group does


def test_fargate_pod_role_is_assumable_only_for_this_clusters_profiles(evaluated):
    """The EKS user guide's trust policy: the service, limited by aws:SourceArn to the
    cluster's Fargate profiles (confused-deputy guard)."""
    ev = evaluated("eks")
    (role,) = [r for r in ev.of_type("aws:iam/role:Role") if "fargate-pods" in r.urn]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "eks-fargate-pods.amazonaws.com"}
    cluster_arn = one(ev, EKS).outputs["arn"]
    assert cluster_arn.endswith(":cluster/o11y-kit-eks")
    profiles = cluster_arn.replace(":cluster/", ":fargateprofile/") + "/*"
    assert statement["Condition"] == {"ArnLike": {"aws:SourceArn": profiles}}


def _role_policies(ev, role):
    return {
        a.inputs["policyArn"].rsplit("/", 1)[-1]
        for a in ev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith(f"{role.name}-")  # named after the role (its name is computed)
    }


def test_vpc_cni_has_its_own_irsa_role_and_the_node_role_no_cni_policy(evaluated):
    ev = evaluated("eks")
    roles = {r.name: r for r in ev.of_type("aws:iam/role:Role")}
    node_role = next(r for name, r in roles.items() if name.endswith("-node-role"))
    cni_role = next(r for name, r in roles.items() if name.endswith("-vpc-cni-role"))
    assert "AmazonEKS_CNI_Policy" not in _role_policies(ev, node_role)
    assert _role_policies(ev, cni_role) == {"AmazonEKS_CNI_Policy"}
    (statement,) = json.loads(cni_role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = statement["Condition"]["StringEquals"]
    subjects = [v for k, v in conditions.items() if k.endswith(":sub")]
    assert subjects == [["system:serviceaccount:kube-system:aws-node"]]
    vpc_cni = _addons(ev)["vpc-cni"].inputs
    assert vpc_cni["serviceAccountRoleArn"] == cni_role.outputs["arn"]


def test_vpc_cni_enforces_network_policies(evaluated):
    vpc_cni = _addons(evaluated("eks"))["vpc-cni"].inputs
    assert json.loads(vpc_cni["configurationValues"]) == {"enableNetworkPolicy": "true"}
