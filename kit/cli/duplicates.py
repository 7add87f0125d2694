"""What the cluster already runs, outside the kit's namespaces, that the kit runs too: a
node-exporter, a kube-state-metrics, a prometheus-operator, ServiceMonitors that scrape the
kubelets. Each is named with what it costs and what to do; `kit status` prints them.

Found by the image a workload runs (any install method names its image after the project) and,
for ServiceMonitors, by the kubelet endpoints they scrape. The kit's Prometheus selects
ServiceMonitors in every namespace (components/monitoring.py, the selectors that do not use the
Helm values), so a kubelet ServiceMonitor of someone else's is scraped by it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kit.cli.kube import KIT_NAMESPACES, PROBE_TIMEOUT_S, Kube

# image name (its last path segment, without the tag) -> (what it is, what to do)
IMAGES = {
    "node-exporter": (
        "node-exporter",
        "the kit's node-exporter (o11y-node) listens on each node's port 9100 on the host "
        "network, as most node-exporters do: the second to start cannot bind it. Remove yours "
        "while you try the kit, or move it to another port",
    ),
    "kube-state-metrics": (
        "kube-state-metrics",
        "the kit runs its own, so the API server serves every object's watch twice. Keep yours "
        "if another Prometheus reads it; else scale it to 0 while you try the kit",
    ),
    "prometheus-operator": (
        "a prometheus-operator",
        "two operators reconcile every Prometheus, Alertmanager and ServiceMonitor both can see, "
        "and the kit's chart installs its own CRD versions over yours. Limit yours to its "
        "namespaces (--namespaces), or uninstall it while you try the kit",
    ),
}
KUBELET_MONITOR = (
    "scrapes the kubelets as the kit's does, and the kit's Prometheus selects ServiceMonitors in "
    "every namespace: each kubelet is scraped twice and its container series stored twice. "
    "Delete it while you try the kit, or give it a label and keep it out of the kit's selector"
)
KUBELET_PATHS = ("/metrics/cadvisor", "/metrics/probes", "/metrics/resource")


@dataclass(frozen=True)
class Duplicate:
    what: str  # e.g. "DaemonSet monitoring/node-exporter (node-exporter)"
    advice: str

    def __str__(self) -> str:
        return f"{self.what}: {self.advice}"


def find(kube: Kube) -> list[Duplicate]:
    """Everything outside the kit's namespaces that duplicates what the kit runs."""
    return [*_workloads(kube), *_kubelet_monitors(kube)]


def image_name(image: str) -> str:
    """`quay.io/prometheus/node-exporter:v1.8.2@sha256:...` -> `node-exporter`."""
    path = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return path.split(":", 1)[0]


def _workloads(kube: Kube) -> list[Duplicate]:
    listed = [
        ("DaemonSet", kube.apps.list_daemon_set_for_all_namespaces),
        ("Deployment", kube.apps.list_deployment_for_all_namespaces),
    ]
    found = []
    for kind, list_all in listed:
        for item in _items(lambda list_all=list_all: list_all(_request_timeout=PROBE_TIMEOUT_S)):
            meta = item.metadata
            if meta.namespace in KIT_NAMESPACES:
                continue
            names = {image_name(c.image or "") for c in item.spec.template.spec.containers}
            for image in sorted(names & set(IMAGES)):
                what, advice = IMAGES[image]
                found.append(Duplicate(f"{kind} {meta.namespace}/{meta.name} ({what})", advice))
    return found


def _kubelet_monitors(kube: Kube) -> list[Duplicate]:
    custom = client.CustomObjectsApi(kube.api)

    def listing() -> list:
        answer = custom.list_cluster_custom_object(
            "monitoring.coreos.com", "v1", "servicemonitors", _request_timeout=PROBE_TIMEOUT_S
        )
        return answer.get("items", [])

    found = []
    for monitor in _items(listing):
        meta = monitor["metadata"]
        if meta["namespace"] in KIT_NAMESPACES or not _scrapes_kubelets(monitor["spec"]):
            continue
        where = f"ServiceMonitor {meta['namespace']}/{meta['name']}"
        found.append(Duplicate(where, KUBELET_MONITOR))
    return found


def _scrapes_kubelets(spec: dict) -> bool:
    paths = {e.get("path") for e in spec.get("endpoints", [])}
    labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return bool(paths & set(KUBELET_PATHS)) or labels.get("k8s-app") == "kubelet"


def _items(list_call) -> list:
    """The listing's items; none where the API has no such resource (no prometheus-operator
    CRDs) or this user may not list it."""
    try:
        answer = list_call()
    except ApiException as err:
        if err.status in (403, 404):
            return []
        raise
    return answer if isinstance(answer, list) else answer.items
