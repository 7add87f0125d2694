"""The workload the cluster-level sources report on: on the local control plane's kind-shaped
nodes (kit/localcluster, one control plane and WORKERS workers run by kwok), Deployments of two
replicas until each worker holds the given number of pods, all Running."""

from __future__ import annotations

from kit.localcluster.api import Api
from kit.localcluster.nodes import node_names

WORKERS = len(node_names("x")) - 1  # the control plane's node is tainted: no pods there
NAMESPACE = "shop"
REPLICAS = 2


def deployment(name: str) -> dict:
    labels = {"app.kubernetes.io/name": name}
    container = {
        "name": "app",
        "image": "registry.k8s.io/pause:3.10",
        "resources": {
            "requests": {"cpu": "10m", "memory": "16Mi"},
            "limits": {"memory": "32Mi"},
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def workload(api: Api, pods_per_node: int) -> None:
    """Create the Deployments and wait until every pod runs."""
    api.create("/api/v1/namespaces", {"metadata": {"name": NAMESPACE}})
    pods = pods_per_node * WORKERS
    for i in range(pods // REPLICAS):
        api.create(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment(f"app-{i}"))

    def running() -> bool:
        items = api.get(f"/api/v1/namespaces/{NAMESPACE}/pods")["items"]
        return sum(p["status"].get("phase") == "Running" for p in items) >= pods

    api.wait(running, f"{pods} Running pods", timeout=180)
