"""The agents' identities on a real API server (kit/localcluster): their namespaces,
ServiceAccounts and RBAC exactly as the offline evaluation renders them, a workload for them to
see, a ServiceAccount token from the TokenRequest API, and SubjectAccessReviews.

Used by tests/agent/test_agent_rbac_live.py; nothing here runs a collector.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.localcluster import controlplane
from kit.localcluster.api import Api
from kit.plan import offline
from kit.plan.manifests import is_object, manifest
from tests.helpers import require_tool

Json = dict[str, Any]
RBAC = "rbac.authorization.k8s.io/v1"
RBAC_KINDS = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")


def require_control_plane() -> None:
    """Skip (fail under KIT_REQUIRE_TOOLS=1) when the local control plane is not built."""
    for tool in controlplane.TOOLS:
        require_tool(controlplane.BIN / tool, tool, "run `make e2e-tools` (needs Go 1.26+)")
    require_tool(controlplane.KWOK_STAGES, "kwok stages", "run `make e2e-tools`")


@dataclass(frozen=True)
class Identity:
    """One agent's ServiceAccount and the RBAC objects bound to it, as rendered."""

    workload: str
    namespace: str
    service_account: str
    objects: tuple[Json, ...]  # Namespace, ServiceAccount, roles and bindings

    @property
    def user(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"

    def role(self, kind: str) -> Json | None:
        return next((o for o in self.objects if o["kind"] == kind), None)


def identities(evaluation: offline.Evaluation, workloads: dict[str, str]) -> list[Identity]:
    """workload name -> namespace: each one's identity among the evaluation's objects."""
    objects = [manifest(r) for r in evaluation.resources if is_object(r)]

    def named(kind: str, name: str, namespace: str | None = None) -> Json:
        (found,) = [
            o
            for o in objects
            if o["kind"] == kind
            and o["metadata"]["name"] == name
            and o["metadata"].get("namespace") == namespace
        ]
        return found

    found = []
    for workload, namespace in workloads.items():
        (spec,) = [
            o["spec"]["template"]["spec"]
            for o in objects
            if o["kind"] in ("DaemonSet", "Deployment")
            and o["metadata"]["name"] == workload
            and o["metadata"]["namespace"] == namespace
        ]
        account = spec["serviceAccountName"]
        subject = {"kind": "ServiceAccount", "name": account, "namespace": namespace}
        bindings = [
            o
            for o in objects
            if o["kind"] in ("ClusterRoleBinding", "RoleBinding") and subject in o["subjects"]
        ]
        roles = [
            named(b["roleRef"]["kind"], b["roleRef"]["name"], _role_namespace(b)) for b in bindings
        ]
        found.append(
            Identity(
                workload,
                namespace,
                account,
                (
                    named("Namespace", namespace),
                    named("ServiceAccount", account, namespace),
                    *roles,
                    *bindings,
                ),
            )
        )
    return found


def _role_namespace(binding: Json) -> str | None:
    return binding["metadata"].get("namespace") if binding["roleRef"]["kind"] == "Role" else None


def path_of(obj: Json, name: bool = True) -> str:
    """The object's REST path (the kinds this module creates)."""
    plural = {
        "Namespace": "namespaces",
        "ServiceAccount": "serviceaccounts",
        "ClusterRole": "clusterroles",
        "ClusterRoleBinding": "clusterrolebindings",
        "Role": "roles",
        "RoleBinding": "rolebindings",
        "Deployment": "deployments",
        "Event": "events",
    }[obj["kind"]]
    version = obj["apiVersion"]
    base = "/api/v1" if version == "v1" else f"/apis/{version}"
    namespace = obj["metadata"].get("namespace")
    where = f"/namespaces/{namespace}" if namespace and obj["kind"] != "Namespace" else ""
    return f"{base}{where}/{plural}" + (f"/{obj['metadata']['name']}" if name else "")


def create(api: Api, obj: Json) -> Json:
    """Create `obj` as it is (a Namespace two identities share is created once)."""
    if obj["kind"] == "Namespace" and api.exists(path_of(obj)):
        return api.get(path_of(obj))
    return api.create(path_of(obj, name=False), obj)


def replace_rules(api: Api, role: Json, rules: list[Json]) -> None:
    """Put `role` back with `rules` (the API server re-authorises on the next request)."""
    current = api.get(path_of(role))
    api.request("PUT", path_of(role), {**current, "rules": rules})


def token(api: Api, identity: Identity, seconds: int = 3600) -> str:
    """A bound token for the ServiceAccount, as the kubelet asks for one for a pod."""
    path = (
        f"/api/v1/namespaces/{identity.namespace}/serviceaccounts/{identity.service_account}/token"
    )
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": seconds},
    }
    return api.create(path, body)["status"]["token"]


def service_account_files(folder: Path, cluster: controlplane.Cluster, identity: Identity) -> Path:
    """token, ca.crt and namespace as the kubelet projects them into the pod."""
    folder.mkdir(parents=True)
    (folder / "token").write_text(token(cluster.api, identity))
    (folder / "ca.crt").write_bytes(Path(cluster.ca).read_bytes())
    (folder / "namespace").write_text(identity.namespace)
    return folder


@dataclass(frozen=True)
class Call:
    """One API request a component makes, as the authorizer sees it."""

    verb: str
    group: str
    resource: str  # may be "resource/subresource"
    namespace: str = ""  # "" = cluster-wide (every namespace, or a cluster-scoped kind)
    name: str = ""

    def attributes(self) -> Json:
        resource, _, subresource = self.resource.partition("/")
        attrs = {"verb": self.verb, "group": self.group, "resource": resource}
        for key, value in (
            ("subresource", subresource),
            ("namespace", self.namespace),
            ("name", self.name),
        ):
            if value:
                attrs[key] = value
        return attrs

    def __str__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        named = f" {self.name!r}" if self.name else ""
        return f"{self.verb} {self.group or 'core'}/{self.resource}{named}{where}"


def calls(rules: list[Json], namespace: str = "") -> list[Call]:
    """Every request a set of PolicyRules allows, one Call per verb x resource x name."""
    return [
        Call(verb, group, resource, namespace, name)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
        for name in rule.get("resourceNames") or [""]
    ]


def allowed(api: Api, user: str, call: Call) -> tuple[bool, str]:
    """The API server's SubjectAccessReview answer for ServiceAccount `user` (with the groups
    its token carries) making `call`, and the reason given."""
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": user,
            "groups": [
                "system:serviceaccounts",
                f"system:serviceaccounts:{user.split(':')[2]}",
                "system:authenticated",
            ],
            "resourceAttributes": call.attributes(),
        },
    }
    status = api.create("/apis/authorization.k8s.io/v1/subjectaccessreviews", review)["status"]
    return bool(status.get("allowed")), status.get("reason", "") or status.get("denied", "")


@dataclass(frozen=True)
class Served:
    """What the API server serves: group -> preferred version, and (group, resource) -> verbs."""

    versions: dict[str, str]
    verbs: dict[tuple[str, str], frozenset[str]]


def discovery(api: Api) -> Served:
    versions = {"": "v1"}
    for group in api.get("/apis")["groups"]:
        versions[group["name"]] = group["preferredVersion"]["version"]
    verbs = {}
    for group, version in versions.items():
        base = "/api/v1" if group == "" else f"/apis/{group}/{version}"
        for resource in api.get(base)["resources"]:
            verbs[group, resource["name"]] = frozenset(resource.get("verbs", []))
    return Served(versions, verbs)


def as_account(cluster: controlplane.Cluster, bearer: str, path: str) -> tuple[int, Json]:
    """GET `path` with a ServiceAccount's token: status and body (the error's Status too). A
    watch answers once authorised and then streams: its body is not read."""
    context = ssl.create_default_context(cafile=str(cluster.ca))
    request = urllib.request.Request(cluster.server + path)
    request.add_header("Authorization", f"Bearer {bearer}")
    request.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            if "watch=" in path:
                return response.status, {}
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def collection_path(served: Served, group: str, resource: str, namespace: str = "") -> str:
    base = "/api/v1" if group == "" else f"/apis/{group}/{served.versions[group]}"
    where = f"/namespaces/{namespace}" if namespace else ""
    return f"{base}{where}/{resource}"


# --- a workload for the agents to see ----------------------------------------------------------

APP_NAME_LABEL = "app.kubernetes.io/name"


def deployment(namespace: str, name: str, image: str = "registry.invalid/app:1") -> Json:
    labels = {APP_NAME_LABEL: name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def event(namespace: str, pod: Json, note: str) -> Json:
    """An events.k8s.io/v1 Event about `pod`, as a controller would report one."""
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": f"{pod['metadata']['name']}.rbac-live", "namespace": namespace},
        "eventTime": pod["metadata"]["creationTimestamp"].replace("Z", ".000000Z"),
        "reportingController": "o11y-kit/rbac-live-test",
        "reportingInstance": "rbac-live-test",
        "action": "Checked",
        "reason": "RbacLive",
        "type": "Normal",
        "note": note,
        "regarding": {
            "kind": "Pod",
            "apiVersion": "v1",
            "namespace": namespace,
            "name": pod["metadata"]["name"],
            "uid": pod["metadata"]["uid"],
        },
    }


def running_pod(api: Api, namespace: str, app: str, timeout: float = 60) -> Json:
    """The Deployment's pod once kwok runs it on a node with an IP."""

    def ready() -> Json | None:
        pods = api.get(
            f"/api/v1/namespaces/{namespace}/pods?labelSelector={APP_NAME_LABEL}%3D{app}"
        )
        for pod in pods["items"]:
            status = pod.get("status", {})
            if status.get("phase") == "Running" and status.get("podIP"):
                return pod
        return None

    return api.wait(ready, f"a Running pod of {namespace}/{app}", timeout)
