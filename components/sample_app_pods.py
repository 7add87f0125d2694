"""Parts every pod of the sample app shares (tiers, load generator, wheelhouse), so each meets
the Pod Security `restricted` level of its namespace the same way."""

from __future__ import annotations

from typing import Any

from agent.labels import kit_labels

RUN_AS = 10001


def pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def deployment(
    name: str, namespace: str, labels: dict, pod: dict, annotations: dict
) -> dict[str, Any]:
    template_meta: dict[str, Any] = {"labels": labels}
    if annotations:
        template_meta["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, namespace, name),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": template_meta, "spec": pod},
        },
    }


def labels(name: str) -> dict[str, str]:
    return kit_labels(name, "sample-app")


def meta(name: str, namespace: str, app: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": labels(app)}


def env(**values: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in values.items()]
