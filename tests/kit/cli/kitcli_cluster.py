"""A small cluster as Kubernetes API JSON, for the replay server to answer the CLI with."""

from __future__ import annotations

NS = {
    "monitoring": "o11y-monitoring",
    "node": "o11y-node",
    "agent": "o11y-agent",
    "app": "o11y-app",
}


def node(name: str, provider_id: str, ready: bool = True, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"providerID": provider_id},
        "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}]},
    }


def kind_nodes() -> list[dict]:
    """A kind cluster's nodes: a control plane and two workers."""
    kind = "kind://docker/kit/"
    return [
        node("kit-control-plane", kind + "kit-control-plane",
             labels={"node-role.kubernetes.io/control-plane": ""}),
        node("kit-worker", kind + "kit-worker"),
        node("kit-worker2", kind + "kit-worker2"),
    ]  # fmt: skip


def pod(
    name: str,
    namespace: str,
    node_name: str,
    app: str,
    ready: bool = True,
    containers: tuple[str, ...] = ("main",),
    labels: dict | None = None,
    waiting: str | None = None,
) -> dict:
    statuses = [
        {
            "name": c,
            "ready": ready,
            "restartCount": 0,
            "image": "img",
            "imageID": "",
            "state": {"waiting": {"reason": waiting}} if waiting else {"running": {}},
        }
        for c in containers
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/name": app, **(labels or {})},
        },
        "spec": {
            "nodeName": node_name,
            "containers": [{"name": c, "image": "img"} for c in containers],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": statuses,
        },
    }


def listing(kind: str, items: list[dict]) -> dict:
    return {"apiVersion": "v1", "kind": f"{kind}List", "metadata": {}, "items": items}


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def deployment(name: str, namespace: str, ready: int = 1, env: list | None = None) -> dict:
    spec = _workload_spec(name)
    spec["template"]["spec"]["containers"] = [{"name": "app", "image": "img", "env": env or []}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
        "status": {"readyReplicas": ready, "replicas": 1},
    }


def workload(kind: str, namespace: str, name: str, ready: int = 1, desired: int = 1) -> dict:
    """A Deployment, DaemonSet or StatefulSet as the API returns it, with its readiness."""
    if kind == "DaemonSet":
        status = {"currentNumberScheduled": desired, "desiredNumberScheduled": desired,
                  "numberMisscheduled": 0, "numberReady": ready}  # fmt: skip
    else:
        status = {"replicas": desired, "readyReplicas": ready}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": {**_workload_spec(name), **({} if kind == "DaemonSet" else {"replicas": desired})},
        "status": status,
    }


def workload_routes(objects: list[dict]) -> dict:
    """The apps/v1 listings of every kit namespace, holding `objects`."""
    plural = {"Deployment": "deployments", "DaemonSet": "daemonsets", "StatefulSet": "statefulsets"}
    return {
        f"/apis/apps/v1/namespaces/{ns}/{plural[kind]}": listing(
            kind,
            [o for o in objects if o["kind"] == kind and o["metadata"]["namespace"] == ns],
        )
        for ns in NS.values()
        for kind in plural
    }


def _workload_spec(name: str) -> dict:
    labels = {"app.kubernetes.io/name": name}
    return {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c"}]}},
    }


def pod_routes(pods_by_namespace: dict[str, list[dict]]) -> dict:
    return {
        f"/api/v1/namespaces/{ns}/pods": listing("Pod", pods_by_namespace.get(ns, []))
        for ns in NS.values()
    }
