"""Typed Pulumi resources from plain Kubernetes dicts (what agent/ builds), so every object is
a real registration: visible under mocks, in `plan`, and in `pulumi preview` diffs."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

# (apiVersion, kind) -> resource class, for the kinds the kit builds as data.
KINDS: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("apps/v1", "DaemonSet"): k8s.apps.v1.DaemonSet,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
}
# Top-level fields whose Python argument name differs from the JSON field.
_ARGUMENT = {
    "roleRef": "role_ref",
    "stringData": "string_data",
    "binaryData": "binary_data",
    "automountServiceAccountToken": "automount_service_account_token",
}


def resource_name(obj: dict[str, Any]) -> str:
    """A Pulumi name unique per object: kind, namespace and name."""
    meta = obj["metadata"]
    parts = [obj["kind"].lower(), meta.get("namespace", ""), meta["name"]]
    return "-".join(p for p in parts if p)


def create(obj: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Register one object with the class for its kind; unknown kinds fail loudly."""
    key = (obj["apiVersion"], obj["kind"])
    if key not in KINDS:
        raise ValueError(f"components.k8s_objects has no class for {key}; add it to KINDS")
    args = {_ARGUMENT.get(k, k): v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    return KINDS[key](resource_name(obj), **args, opts=opts)
