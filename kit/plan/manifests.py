"""Kubernetes objects from an offline evaluation, and their check against the official schemas."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils

from components import versions
from kit.plan.checks import crd_schemas
from kit.plan.offline import Registered, Secret

# kubernetes-validate 1.37.0 re-reads and re-parses the ~5 MB `_definitions.json` on every call;
# with the charts' ~130 objects that was most of a plan's time. The parsed schemas are only
# read, so one copy per file serves every call.
kubernetes_validate.utils.schema_contents = functools.cache(
    kubernetes_validate.utils.schema_contents
)

# Resource types of the kubernetes provider that are not themselves Kubernetes objects.
NOT_OBJECTS = ("pulumi:providers:kubernetes", "kubernetes:helm.sh/", "kubernetes:yaml/")
REDACTED = "<redacted by kit plan: the real value lives in the Pulumi state as a secret>"


@dataclass(frozen=True)
class Invalid:
    """One object that failed schema validation for one Kubernetes version."""

    object: str
    version: str
    reason: str


def is_object(resource: Registered) -> bool:
    return resource.type.startswith("kubernetes:") and not resource.type.startswith(NOT_OBJECTS)


def manifest(resource: Registered) -> dict[str, Any]:
    """The object as `kubectl apply` takes it; Secret data and secret values are redacted."""
    return _redact(redact_secret_data(copy.deepcopy(resource.inputs)))


def redact_secret_data(obj: dict[str, Any]) -> dict[str, Any]:
    """A Secret's values replaced by REDACTED (keys kept), in place; other kinds untouched."""
    if obj.get("kind") == "Secret":
        for field in ("data", "stringData"):
            payload = obj.get(field)
            payload = payload.value if isinstance(payload, Secret) else payload
            if payload:
                obj[field] = {key: REDACTED for key in payload}
    return obj


# Kinds in the order `kubectl apply -f manifests/` needs them (as Helm installs them).
KIND_ORDER = (
    "Namespace", "CustomResourceDefinition", "PriorityClass", "ServiceAccount", "Secret",
    "ConfigMap", "StorageClass", "PersistentVolumeClaim", "ClusterRole", "ClusterRoleBinding",
    "Role", "RoleBinding", "NetworkPolicy", "Service", "DaemonSet", "Deployment",
    "StatefulSet", "Job",
)  # fmt: skip


def apply_order(obj: dict[str, Any]) -> tuple[int, str, str]:
    """Sort key: kind rank, then namespace and name (stable file names across runs)."""
    kind = obj.get("kind", "")
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    meta = obj.get("metadata", {})
    return rank, meta.get("namespace", ""), meta.get("name", "")


def _redact(value: Any) -> Any:
    if isinstance(value, Secret):
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def object_name(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')} {where}{meta.get('name')}"


def supported_versions() -> tuple[str, str]:
    """The oldest and newest Kubernetes versions the kit declares it supports."""
    return (f"{versions.K8S_OLDEST}.0", f"{versions.K8S_NEWEST}.0")


def validate(objects: Iterable[dict[str, Any]]) -> list[Invalid]:
    """Strict validation (unknown fields rejected) against both ends of the supported range;
    prometheus-operator kinds against their CRD schemas (kit/plan/checks/crd_schemas.py)."""
    objects = list(objects)
    custom = [obj for obj in objects if crd_schemas.handles(obj)]
    invalid = [
        Invalid(object_name(custom[p.index]) if p.index >= 0 else "?", crd_schemas.SOURCE, p.reason)
        for p in crd_schemas.check(custom)
    ]
    for obj in objects:
        if not crd_schemas.handles(obj):
            invalid += validate_builtin(obj, supported_versions())
    return invalid


def validate_builtin(obj: dict[str, Any], kube_versions: Iterable[str]) -> list[Invalid]:
    """kubernetes-validate --strict of one object at each of `kube_versions`."""
    invalid = []
    for version in kube_versions:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as err:
            where = "/".join(str(p) for p in err.path)
            invalid.append(Invalid(object_name(obj), version, f"{where}: {err.message}"))
        except kubernetes_validate.SchemaNotFoundError:
            invalid.append(Invalid(object_name(obj), version, "no schema for this kind"))
    return invalid
