"""The aks stack's cluster: what AKS is asked for, and where the kube provider's kubeconfig
comes from."""

from __future__ import annotations

from components import versions
from components.platforms.aks.offline_outputs import ADMIN_CREDENTIALS as AKS_ADMIN_CREDENTIALS
from kit.plan.offline import Secret
from tests.helpers import AKS, K8S_PROVIDER, RESOURCE_GROUP, one


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


def test_kube_provider_uses_the_clusters_admin_credentials(evaluated):
    ev = evaluated("aks")
    (call,) = [args for token, args in ev.invokes if token == AKS_ADMIN_CREDENTIALS]
    assert call["resourceName"] == "o11y-kit-aks"
    secret = one(ev, K8S_PROVIDER).inputs["kubeconfig"]
    assert isinstance(secret, Secret)
    kubeconfig = secret.value
    assert kubeconfig.startswith("apiVersion: v1")  # base64-decoded, as the provider needs it
    assert "current-context: o11y-kit-aks" in kubeconfig
