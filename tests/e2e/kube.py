"""What the tests ask the local control plane: objects by kind and name, workloads' rollout, and
the leftovers of a destroy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kit.localcluster.api import Api, ApiError

WORKLOADS = ("Deployment", "DaemonSet", "StatefulSet")
KIT_NAMESPACE_PREFIX = "o11y-"


@dataclass(frozen=True)
class Kind:
    group_version: str
    plural: str
    namespaced: bool


class Discovery:
    """kind -> REST path, from the API server's own discovery documents."""

    def __init__(self, api: Api):
        self.api = api
        self.kinds: dict[tuple[str, str], Kind] = {}
        versions = ["v1"] if api.get("/api") else []
        groups = [v["groupVersion"] for g in api.get("/apis")["groups"] for v in g["versions"]]
        for gv in [*versions, *groups]:
            base = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            try:
                resources = api.get(base)["resources"]
            except ApiError:
                continue
            for r in resources:
                if "/" not in r["name"]:
                    self.kinds[gv, r["kind"]] = Kind(gv, r["name"], r["namespaced"])

    def path(self, api_version: str, kind: str, namespace: str | None, name: str = "") -> str:
        k = self.kinds[api_version, kind]
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        ns = f"/namespaces/{namespace}" if k.namespaced and namespace else ""
        return f"{base}{ns}/{k.plural}" + (f"/{name}" if name else "")

    def of_group(self, group: str) -> list[tuple[str, str]]:
        return [(gv, kind) for gv, kind in self.kinds if gv.split("/")[0] == group and "/" in gv]


def object_path(disc: Discovery, obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return disc.path(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])


def missing_objects(api: Api, disc: Discovery, objects: list[dict[str, Any]]) -> list[str]:
    missing = []
    for obj in objects:
        try:
            found = api.exists(object_path(disc, obj))
        except KeyError:
            found = False
        if not found:
            meta = obj["metadata"]
            missing.append(f"{obj['kind']} {meta.get('namespace', '')}/{meta['name']}")
    return missing


def kit_namespaces(api: Api) -> list[str]:
    return [
        n["metadata"]["name"]
        for n in api.get("/api/v1/namespaces")["items"]
        if n["metadata"]["name"].startswith(KIT_NAMESPACE_PREFIX)
    ]


def workloads(api: Api, namespaces: list[str]) -> list[dict[str, Any]]:
    found = []
    for ns in namespaces:
        for kind, plural in (("Deployment", "deployments"), ("DaemonSet", "daemonsets"),
                             ("StatefulSet", "statefulsets")):  # fmt: skip
            for item in api.get(f"/apis/apps/v1/namespaces/{ns}/{plural}")["items"]:
                found.append({"kind": kind, **item})
    return found


def not_rolled_out(obj: dict[str, Any]) -> str | None:
    """Why a workload has not rolled out as `kubectl rollout status` judges it, or None."""
    spec, status = obj["spec"], obj.get("status", {})
    name = f"{obj['kind']} {obj['metadata']['namespace']}/{obj['metadata']['name']}"
    if status.get("observedGeneration", 0) < obj["metadata"].get("generation", 0):
        return f"{name}: generation not observed yet"
    if obj["kind"] == "DaemonSet":
        want = status.get("desiredNumberScheduled", 0)
        if (
            want == 0
            or status.get("updatedNumberScheduled") != want
            or status.get("numberAvailable") != want
        ):
            return f"{name}: {status.get('numberAvailable', 0)}/{want} available"
        return None
    want = spec.get("replicas", 1)
    if obj["kind"] == "StatefulSet":
        ok = status.get("readyReplicas") == want and status.get("updatedReplicas", want) == want
        ok = ok and status.get("currentRevision") == status.get("updateRevision")
    else:
        ok = status.get("updatedReplicas") == want and status.get("availableReplicas") == want
    return None if ok else f"{name}: {status.get('readyReplicas', 0)}/{want} ready"


def custom_resources(api: Api, disc: Discovery, group: str) -> list[str]:
    """Every object of `group`'s kinds, in any namespace, with its finalizers."""
    found = []
    for gv, kind in disc.of_group(group):
        k = disc.kinds[gv, kind]
        for item in api.get(f"/apis/{gv}/{k.plural}")["items"]:
            meta = item["metadata"]
            where = f"{meta.get('namespace', '')}/{meta['name']}"
            found.append(f"{kind} {where} finalizers={meta.get('finalizers', [])}")
    return found


def names_in(api: Api, namespace: str) -> set[str]:
    """What a namespace holds (kinds a controller or an operator writes), as kind/name."""
    paths = {
        "Service": f"/api/v1/namespaces/{namespace}/services",
        "Endpoints": f"/api/v1/namespaces/{namespace}/endpoints",
        "EndpointSlice": f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices",
        "ConfigMap": f"/api/v1/namespaces/{namespace}/configmaps",
        "Secret": f"/api/v1/namespaces/{namespace}/secrets",
        "ServiceAccount": f"/api/v1/namespaces/{namespace}/serviceaccounts",
        "Role": f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles",
        "RoleBinding": f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings",
    }
    return {
        f"{kind}/{i['metadata']['name']}" for kind, p in paths.items() for i in api.get(p)["items"]
    }
