"""The aks stack's cluster: what AKS is asked for, and where the kube provider's kubeconfig
comes from."""

from __future__ import annotations

import pytest
import yaml
from pulumi.dynamic.dynamic import serialize_provider

from components import versions
from components.platforms.aks.admin_ready import AdminReadyProvider
from components.platforms.aks.offline_outputs import CLIENT_CONFIG, USER_CREDENTIALS
from components.settings import ConfigError, load_declarations, parse_config
from kit.plan.offline import Secret
from tests.helpers import AKS, K8S_PROVIDER, RESOURCE_GROUP, one

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ADMIN_READY = "pulumi-python:dynamic:AksAdminReady"
ADMIN_CREDENTIALS = "azure-native:containerservice:listManagedClusterAdminCredentials"
RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"  # Azure built-in roles, Containers


def test_aks_is_a_free_tier_vmss_cluster_with_identity_oidc_and_network_policy(evaluated):
    cluster = one(evaluated("aks"), AKS).inputs
    assert cluster["sku"] == {"name": "Base", "tier": "Free"}
    assert cluster["identity"] == {"type": "SystemAssigned"}
    assert cluster["oidcIssuerProfile"] == {"enabled": True}
    assert cluster["kubernetesVersion"] == versions.K8S_DEFAULT
    assert cluster["location"] == "japaneast"
    (pool,) = cluster["agentPoolProfiles"]
    assert pool["type"] == "VirtualMachineScaleSets"
    assert pool["mode"] == "System"
    assert (pool["count"], pool["vmSize"]) == (2, "Standard_D2s_v3")
    network = cluster["networkProfile"]
    assert network["networkPolicy"] == "cilium"  # enforces NetworkPolicy objects


def test_aks_sizing_follows_config(evaluate):
    ev = evaluate("aks", nodeCount=3, aksVmSize="Standard_D4s_v5", kubernetesVersion="1.37")
    cluster = one(ev, AKS).inputs
    assert cluster["agentPoolProfiles"][0]["count"] == 3
    assert cluster["agentPoolProfiles"][0]["vmSize"] == "Standard_D4s_v5"
    assert cluster["kubernetesVersion"] == "1.37"


def test_everything_lives_in_the_stacks_own_resource_group(evaluated):
    ev = evaluated("aks")
    group = one(ev, RESOURCE_GROUP)
    assert one(ev, AKS).inputs["resourceGroupName"] == group.outputs["name"]


def test_sign_in_is_entra_id_with_azure_rbac_and_no_local_accounts(evaluated):
    cluster = one(evaluated("aks"), AKS).inputs
    assert cluster["aadProfile"] == {"managed": True, "enableAzureRBAC": True}
    assert cluster["disableLocalAccounts"] is True


def test_the_deployer_is_cluster_admin_through_azure_rbac_on_this_cluster_only(evaluated):
    ev = evaluated("aks")
    assert CLIENT_CONFIG in [token for token, _ in ev.invokes]
    grant = one(ev, ROLE_ASSIGNMENT).inputs
    assert grant["scope"] == one(ev, AKS).outputs["id"]
    assert grant["principalId"] == "33333333-3333-3333-3333-333333333333"  # the offline objectId
    assert grant["roleDefinitionId"] == (
        "/subscriptions/00000000-0000-0000-0000-000000000000"
        f"/providers/Microsoft.Authorization/roleDefinitions/{RBAC_CLUSTER_ADMIN}"
    )


def test_no_admin_credential_is_read(evaluated):
    assert ADMIN_CREDENTIALS not in [token for token, _ in evaluated("aks").invokes]


def test_kube_provider_gets_tokens_from_kubelogin_and_holds_no_credential(evaluated):
    ev = evaluated("aks")
    (call,) = [args for token, args in ev.invokes if token == USER_CREDENTIALS]
    assert call["resourceName"] == "o11y-kit-aks"
    provider = one(ev, K8S_PROVIDER)
    secret = provider.inputs["kubeconfig"]
    assert isinstance(secret, Secret)
    kubeconfig = yaml.safe_load(secret.value)  # base64-decoded, as the provider needs it
    assert kubeconfig["current-context"] == "o11y-kit-aks"
    (cluster,) = kubeconfig["clusters"]
    assert set(cluster["cluster"]) == {"server", "certificate-authority-data"}
    (user,) = kubeconfig["users"]
    assert list(user["user"]) == ["exec"]  # no token, client certificate/key or password
    plugin = user["user"]["exec"]
    assert plugin["command"] == "kubelogin"
    assert plugin["args"] == [
        "get-token",
        "--login",
        "azurecli",
        "--server-id",
        "6dae42f8-4368-4678-94ff-3960e28e3630",
    ]
    exported = ev.outputs["kubeconfig"]  # the stack output: the same, so no credential either
    assert isinstance(exported, Secret) and exported.value == secret.value


def test_nothing_reaches_the_cluster_before_the_deployer_grant_works(evaluated):
    """The gate polls with the provider's own kubeconfig once the grant exists; the provider
    waits for the gate, and every Kubernetes object goes through that provider."""
    ev = evaluated("aks")
    grant, gate, provider = one(ev, ROLE_ASSIGNMENT), one(ev, ADMIN_READY), one(ev, K8S_PROVIDER)
    assert gate.inputs["roleAssignmentId"] == grant.outputs["id"]
    assert grant.urn in gate.dependencies
    assert gate.inputs["kubeconfig"].value == provider.inputs["kubeconfig"].value
    assert gate.urn in provider.dependencies
    kube_objects = [r for r in ev.resources if r.custom and r.type.startswith("kubernetes:")]
    assert kube_objects
    assert {r.provider.rsplit("::", 1)[0] for r in kube_objects} == {provider.urn}


def test_the_gate_checks_again_only_for_a_new_cluster_or_grant():
    provider = AdminReadyProvider()
    olds = {"kubeconfig": "k", "roleAssignmentId": "/grant/1", "attempts": 3.0}
    same = provider.diff("id", olds, {"kubeconfig": "k", "roleAssignmentId": "/grant/1"})
    assert (same.changes, same.replaces) == (False, None)
    regranted = provider.diff("id", olds, {"kubeconfig": "k", "roleAssignmentId": "/grant/2"})
    assert (regranted.changes, regranted.replaces) == (True, ["roleAssignmentId"])
    assert len(serialize_provider(AdminReadyProvider())) < 200  # by reference: no drift


def test_api_server_is_public_behind_entra_id_by_default(evaluated):
    assert "apiServerAccessProfile" not in one(evaluated("aks"), AKS).inputs


def test_api_server_ranges_follow_config(evaluate):
    ev = evaluate("aks", aksApiServerAllowedCidrs='["203.0.113.7/32", "2001:db8::/48"]')
    access = one(ev, AKS).inputs["apiServerAccessProfile"]
    assert access == {"authorizedIPRanges": ["203.0.113.7/32", "2001:db8::/48"]}


@pytest.mark.parametrize(
    ("stack", "value", "expected"),
    [
        ("aks", '["203.0.113.7"]', "'203.0.113.7' not a CIDR such as 203.0.113.7/32"),
        ("aks", '["203.0.113.7/24"]', "'203.0.113.7/24' not a CIDR"),  # host bits set
        ("eks", '["203.0.113.7/32"]', "only used on aks; cloud is eks"),
    ],
)
def test_api_server_ranges_must_be_cidrs_and_only_on_aks(stack, value, expected):
    raw = {"cloud": stack, "region": "japaneast", "aksApiServerAllowedCidrs": value}
    if stack == "eks":
        raw.update(region="ap-northeast-1", fargateTiers='["back"]')
    with pytest.raises(ConfigError) as err:
        parse_config(raw, stack, load_declarations())
    assert any(expected in problem for problem in err.value.problems), err.value.problems
