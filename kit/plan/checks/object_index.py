"""An index over a plan's Kubernetes objects (plain dicts), for the checks that look one object up
from another: by kind, namespace and name, and every pod template with where it lives."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kit.plan.manifests import object_name as describe

Json = dict[str, Any]
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass",
                  "StorageClass", "CustomResourceDefinition"}  # fmt: skip


# Objects the plan's objects may name that no plan creates, each with who creates it
# (namespace "*": every namespace).
CREATED_OUTSIDE_THE_PLAN: dict[tuple[str, str, str], str] = {
    ("ServiceAccount", "*", "default"): "the service account controller, in every namespace",
    ("Service", "default", "kubernetes"): "the API server, for its own Service in every cluster",
    ("Secret", "*", "kps-admission"): (
        "kube-prometheus-stack's pre-install hook Job kps-admission-create (kube-webhook-certgen "
        "create --secret-name=kps-admission), before the operator that mounts it starts"
    ),
    ("ConfigMap", "*", "kube-root-ca.crt"): (
        "kube-controller-manager's root CA publisher, in every namespace (projected into every "
        "service account token volume)"
    ),
}


def created_outside(kind: str, namespace: str, name: str) -> bool:
    return any((kind, ns, name) in CREATED_OUTSIDE_THE_PLAN for ns in ("*", namespace))


@dataclass(frozen=True)
class PodTemplate:
    """A pod spec inside a workload object, with the labels its pods get."""

    owner: Json
    namespace: str
    labels: dict[str, str]
    spec: Json

    @property
    def name(self) -> str:
        return describe(self.owner)

    def containers(self) -> list[Json]:
        spec = self.spec
        return [*spec.get("initContainers", []), *spec.get("containers", [])]

    def volume(self, name: str) -> Json | None:
        return next((v for v in self.spec.get("volumes", []) if v.get("name") == name), None)


class Index:
    """Objects by (kind, namespace, name); cluster-scoped kinds under namespace ""."""

    def __init__(self, objects: list[Json], default_namespace: str = "default"):
        self.objects = objects
        self.default_namespace = default_namespace
        self._by_key = {self.key(obj): obj for obj in objects}

    def key(self, obj: Json) -> tuple[str, str, str]:
        meta = obj.get("metadata") or {}
        return obj.get("kind", ""), self.namespace_of(obj), meta.get("name", "")

    def namespace_of(self, obj: Json) -> str:
        if obj.get("kind") in CLUSTER_SCOPED:
            return ""
        return (obj.get("metadata") or {}).get("namespace") or self.default_namespace

    def get(self, kind: str, namespace: str, name: str) -> Json | None:
        return self._by_key.get((kind, "" if kind in CLUSTER_SCOPED else namespace, name))

    def of_kind(self, *kinds: str) -> list[Json]:
        return [obj for obj in self.objects if obj.get("kind") in kinds]

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        """A namespace's labels, with the one the API server sets on every namespace."""
        obj = self.get("Namespace", "", namespace) or {}
        labels = dict((obj.get("metadata") or {}).get("labels") or {})
        return {**labels, "kubernetes.io/metadata.name": namespace}

    def pod_templates(self) -> Iterator[PodTemplate]:
        for obj in self.objects:
            template = _template(obj)
            if template is not None:
                labels = (template.get("metadata") or {}).get("labels") or {}
                yield PodTemplate(obj, self.namespace_of(obj), labels, template.get("spec") or {})


def config_keys(obj: Json) -> set[str]:
    """The keys of a Secret or ConfigMap (values are redacted in a plan; keys are kept)."""
    keys: set[str] = set()
    for section in ("data", "stringData", "binaryData"):
        keys |= set(obj.get(section) or {})
    return keys


def mount_of(container: Json, path: str) -> Json | None:
    """The container's mount that `path` lies under (the deepest one)."""
    found = None
    for mount in container.get("volumeMounts", []):
        root = mount.get("mountPath", "").rstrip("/")
        if (path == root or path.startswith(root + "/")) and (
            found is None or len(root) > len(found["mountPath"].rstrip("/"))
        ):
            found = mount
    return found


@dataclass(frozen=True)
class MountedFile:
    """A file a container reads from a ConfigMap volume: which ConfigMap and key, whether both
    exist, and the text (None unless it is a `data` key)."""

    config_map: str
    key: str
    mount: Json
    exists: bool
    text: str | None


def config_map_file(
    index: Index, pod: PodTemplate, container: Json, path: str
) -> MountedFile | None:
    """`path` as the container sees it, when it lies on a ConfigMap volume (else None)."""
    mount = mount_of(container, path)
    volume = pod.volume(mount["name"]) if mount else None
    if not volume or "configMap" not in volume or path == mount["mountPath"]:
        return None
    relative = mount.get("subPath") or posixpath.relpath(path, mount["mountPath"])
    source = volume["configMap"]
    items = {item["path"]: item["key"] for item in source.get("items", [])}
    key = items.get(relative, "") if items else relative
    target = index.get("ConfigMap", pod.namespace, source.get("name", ""))
    exists = target is not None and key in config_keys(target)
    text = (target.get("data") or {}).get(key) if exists else None
    return MountedFile(source.get("name", ""), key, mount, exists, text)


def _template(obj: Json) -> Json | None:
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return obj
    if kind in ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"):
        return spec.get("template")
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    return None
