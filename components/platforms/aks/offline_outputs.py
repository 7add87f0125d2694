"""aks: what Azure would compute for the resources and calls the program reads, for the offline
plan (kit/plan/offline.py). Stand-in values no one can mistake for real ones: all-zero/one IDs and
"offline-placeholder" in host names."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import yaml

from components.platforms.aks.kubeconfig import kubelogin_config

CLIENT_CONFIG = "azure-native:authorization:getClientConfig"
USER_CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
OFFLINE_HOST = "offline-placeholder"
AZ_CLI_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"  # AKS's public client for kubelogin


def outputs(typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """An ARM id for every azure-native resource, plus what the program reads of some."""
    if not typ.startswith("azure-native:"):
        return None
    kind = typ.split(":")[-1]
    group = inputs.get("resourceGroupName") or "offline-placeholder-rg"
    arm_id = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}/providers/{kind}/{name}"
    return {"id": arm_id, **_outputs_of(typ, name, inputs)}


def _outputs_of(typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if typ == "azure-native:containerservice:ManagedCluster":
        rg = inputs.get("resourceGroupName", "rg")
        location = inputs.get("location", "japaneast")
        return {
            "name": inputs.get("resourceName", name),
            "fqdn": f"{name}-dns.{OFFLINE_HOST}.hcp.{location}.azmk8s.io",
            "nodeResourceGroup": f"MC_{rg}_{name}_{location}",
            "identity": {**inputs.get("identity", {}), "principalId": f"{name}-principal"},
            "oidcIssuerProfile": {"enabled": True, "issuerURL": f"https://oidc.example/{name}/"},
        }
    if typ == "azure-native:applicationinsights:Component":
        return {
            "connectionString": "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
            "IngestionEndpoint=https://japaneast-1.in.applicationinsights.azure.com/",
            "instrumentationKey": "00000000-0000-0000-0000-000000000000",
        }
    if typ == "azure-native:resources:ResourceGroup":
        return {"name": inputs.get("resourceGroupName", name)}
    return {}


def invoke(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == CLIENT_CONFIG:
        return {
            "clientId": "22222222-2222-2222-2222-222222222222",
            "objectId": "33333333-3333-3333-3333-333333333333",
            "subscriptionId": SUBSCRIPTION_ID,
            "tenantId": TENANT_ID,
        }
    if token == USER_CREDENTIALS:
        kubeconfig = yaml.safe_dump(_user_kubeconfig(args.get("resourceName", "aks")))
        encoded = base64.b64encode(kubeconfig.encode()).decode()
        return {"kubeconfigs": [{"name": "clusterUser", "value": encoded}]}
    return None


def _user_kubeconfig(cluster: str) -> dict[str, Any]:
    """What AKS returns for a managed Entra ID cluster: the server, its CA and a kubelogin user
    with device code login, as `az aks get-credentials` writes it."""
    entry = {
        "server": f"https://{cluster}-dns.{OFFLINE_HOST}.hcp.japaneast.azmk8s.io:443",
        "certificate-authority-data": base64.b64encode(b"offline-placeholder CA").decode(),
    }
    login = ("--login", "devicecode", "--client-id", AZ_CLI_CLIENT_ID, "--tenant-id", TENANT_ID)
    return kubelogin_config(cluster, f"clusterUser_{cluster}", entry, login)
