"""Pods no plan object spells out but that exist once the plan is applied: the prometheus-operator
creates them from Prometheus and Alertmanager objects, and every cluster runs CoreDNS. Given as
Pod objects with the labels and named ports those pods get, so that the Services,
NetworkPolicies, PodMonitors and flows that select them resolve like any other pod.

Labels: prometheus-operator API reference (Prometheus/Alertmanager `podMetadata`: the operator
adds app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/managed-by and, for
Prometheus, operator.prometheus.io/name and operator.prometheus.io/shard; pods also carry
`prometheus: <name>` / `alertmanager: <name>`), container ports `web` and `reloader-web`.
CoreDNS: `k8s-app: kube-dns` in kube-system, as kubeadm (kind, minikube), AKS and EKS deploy it.
"""

from __future__ import annotations

from kit.plan.checks.object_index import Json

CLUSTER_DNS: Json = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
    "spec": {
        "containers": [
            {
                "name": "coredns",
                "ports": [
                    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                    {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                    {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
                ],
            }
        ]
    },
}
OPERATOR_PODS = {  # kind -> (app.kubernetes.io/name, web port)
    "Prometheus": ("prometheus", 9090),
    "Alertmanager": ("alertmanager", 9093),
}


def made_at_run_time(objects: list[Json]) -> list[Json]:
    """CoreDNS, and one pod per Prometheus/Alertmanager object of `objects`."""
    made = [CLUSTER_DNS]
    for obj in objects:
        if obj.get("kind") in OPERATOR_PODS and obj.get("apiVersion", "").startswith(
            "monitoring.coreos.com/"
        ):
            made.append(_operator_pod(obj))
    return made


def _operator_pod(obj: Json) -> Json:
    kind, meta = obj["kind"], obj["metadata"]
    app, port = OPERATOR_PODS[kind]
    name = meta["name"]
    labels = {
        **(((obj.get("spec") or {}).get("podMetadata") or {}).get("labels") or {}),
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/managed-by": "prometheus-operator",
        app: name,
    }
    if kind == "Prometheus":
        labels |= {"operator.prometheus.io/name": name, "operator.prometheus.io/shard": "0"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{app}-{name}-0",
            "namespace": meta.get("namespace"),
            "labels": labels,
        },
        "spec": {
            "containers": [
                {"name": app, "ports": [{"name": "web", "containerPort": port}]},
                {
                    "name": "config-reloader",
                    "ports": [{"name": "reloader-web", "containerPort": 8080}],
                },
            ]
        },
    }
