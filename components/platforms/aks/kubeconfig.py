"""aks: kubeconfigs whose user is the kubelogin exec plugin, so they carry no credential."""

from __future__ import annotations

from typing import Any

import yaml

# The AKS Microsoft Entra server application every managed-Entra cluster's tokens are issued for
# (kubelogin docs, "Using kubelogin with AKS").
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
# kubelogin reuses the deployer's `az login`: no prompt, nothing stored by the kit.
AZURECLI_LOGIN = ("--login", "azurecli")


def kubelogin_config(
    cluster: str, user: str, cluster_entry: dict[str, Any], login: tuple[str, ...]
) -> dict[str, Any]:
    """One cluster, one user that runs `kubelogin get-token <login> --server-id <AKS app>`."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [
            {
                "name": user,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": ["get-token", *login, "--server-id", AKS_SERVER_APP_ID],
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
    }


def kubelogin_kubeconfig(user_kubeconfig: str) -> str:
    """The current cluster of AKS's user kubeconfig with a user that gets a fresh Entra ID token
    from kubelogin on every use, the way eks runs `aws eks get-token`. Only the server and its CA
    are kept, so no credential AKS might add reaches the state."""
    source = yaml.safe_load(user_kubeconfig)
    current = next(c for c in source["contexts"] if c["name"] == source["current-context"])
    name = current["context"]["cluster"]
    cluster = next(c["cluster"] for c in source["clusters"] if c["name"] == name)
    kept = {key: cluster[key] for key in ("server", "certificate-authority-data") if key in cluster}
    return yaml.safe_dump(kubelogin_config(name, name, kept, AZURECLI_LOGIN), sort_keys=False)
