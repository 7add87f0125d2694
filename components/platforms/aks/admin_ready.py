"""aks: a Pulumi dynamic resource that exists once the deployer's Azure RBAC cluster-admin grant
works on the cluster (admin_check.py polls for it), so the kube provider can wait on it."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi import dynamic

from components.platforms.aks.admin_check import wait_until_admin

# Three times the five minutes Azure documents for a role assignment to reach the cluster
# (learn.microsoft.com/azure/aks/manage-azure-rbac): reports run longer (Azure/AKS#4232).
TIMEOUT_SECONDS = 15 * 60
POLL_SECONDS = 10
WATCHED = ("kubeconfig", "roleAssignmentId")  # a new cluster or grant is checked again


class AdminReadyProvider(dynamic.ResourceProvider):
    """Creating it waits for the grant; nothing else calls the cluster.

    Pickled by reference (module and class name, no state), so the state names
    `components.platforms.aks.admin_ready`: moving or renaming this module needs an alias module
    left here, or stacks deployed before cannot be updated or destroyed.
    """

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        hint = (
            f"that the role assignment {props['roleAssignmentId']} (Azure Kubernetes Service "
            "RBAC Cluster Admin) names the identity of your `az login`, and that "
            "aksApiServerAllowedCidrs, if set, lists the address you deploy from; deploying "
            "again waits again"
        )
        attempts = wait_until_admin(props["kubeconfig"], TIMEOUT_SECONDS, POLL_SECONDS, hint)
        outs = {key: props[key] for key in WATCHED}
        return dynamic.CreateResult(props["roleAssignmentId"], {**outs, "attempts": attempts})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        changed = [key for key in WATCHED if olds.get(key) != news.get(key)]
        return dynamic.DiffResult(changes=bool(changed), replaces=changed or None)


class AksAdminReady(dynamic.Resource, name="AksAdminReady"):
    """Created once `kubeconfig` (the kube provider's) may create namespaces on the cluster."""

    def __init__(
        self,
        name: str,
        kubeconfig: pulumi.Input[str],
        role_assignment_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        secret = pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"])
        super().__init__(
            AdminReadyProvider(),
            name,
            {"kubeconfig": kubeconfig, "roleAssignmentId": role_assignment_id, "attempts": None},
            pulumi.ResourceOptions.merge(opts, secret),
        )
