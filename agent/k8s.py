"""Plain Kubernetes objects (camelCase dicts, exactly what `kubectl apply` takes) for the agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.backends import Resources
from agent.collector_config import config_checksum
from agent.labels import kit_labels
from agent.preset import Json, Preset
from agent.preset_catalog import HEALTH_PORT

CONFIG_KEY = "relay.yaml"
CONFIG_DIR = "/conf"
CONFIG_VOLUME = "otelcol-config"
CONTAINER_NAME = "otel-collector"
CHECKSUM_ANNOTATION = "checksum/config"
COLLECTOR_UID = 10001  # the official images' non-root user
COMPONENT = "telemetry-agent"
FARGATE_COMPUTE_TYPE = "eks.amazonaws.com/compute-type"


def metadata(name: str, namespace: str | None = None, **extra: Json) -> Json:
    meta: Json = {"name": name, "labels": kit_labels(name, COMPONENT)}
    if namespace is not None:
        meta["namespace"] = namespace
    return {**meta, **extra}


def selector_labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": COMPONENT}


def service_account(name: str, namespace: str, annotations: Mapping[str, Any] | None) -> Json:
    """The mode's own identity; cloud write access (a platform's role annotation) is attached
    here and nowhere else."""
    extra = {"annotations": dict(annotations)} if annotations else {}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(name, namespace, **extra),
    }


def rbac(name: str, namespace: str, preset: Preset) -> list[Json]:
    """ClusterRole/Binding for cluster-wide reads, Role/Binding for namespace-local writes;
    nothing at all when the preset asks for no permission."""
    subject = [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]
    group = "rbac.authorization.k8s.io"
    cluster_name = f"{namespace}-{name}"  # cluster-scoped: two installs must not collide
    objects: list[Json] = []
    if preset.cluster_rules:
        objects += [
            {
                "apiVersion": f"{group}/v1",
                "kind": "ClusterRole",
                "metadata": metadata(cluster_name),
                "rules": list(preset.cluster_rules),
            },
            {
                "apiVersion": f"{group}/v1",
                "kind": "ClusterRoleBinding",
                "metadata": metadata(cluster_name),
                "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": cluster_name},
                "subjects": subject,
            },
        ]
    if preset.namespace_rules:
        objects += [
            {
                "apiVersion": f"{group}/v1",
                "kind": "Role",
                "metadata": metadata(name, namespace),
                "rules": list(preset.namespace_rules),
            },
            {
                "apiVersion": f"{group}/v1",
                "kind": "RoleBinding",
                "metadata": metadata(name, namespace),
                "roleRef": {"apiGroup": group, "kind": "Role", "name": name},
                "subjects": subject,
            },
        ]
    return objects


def config_map(name: str, namespace: str, data: dict[str, str]) -> Json:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(name, namespace),
        "data": data,
    }


def security_context(preset: Preset) -> Json:
    """Least privilege. Root (still without capabilities) only for presets reading root-owned
    0640/0600 host files (/var/log/pods): a non-root uid gets no effective capabilities."""
    context: Json = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if preset.capabilities:
        context["capabilities"]["add"] = list(preset.capabilities)
    if preset.runs_as_root:
        return {**context, "runAsUser": 0, "runAsGroup": 0, "runAsNonRoot": False}
    return {
        **context,
        "runAsUser": COLLECTOR_UID,
        "runAsGroup": COLLECTOR_UID,
        "runAsNonRoot": True,
    }


def guaranteed(resources: Resources) -> Json:
    amounts = {"cpu": resources.cpu, "memory": resources.memory}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def health_probes() -> Json:
    """health_check answers 200 once every pipeline runs; liveness is slower to kill."""
    check = {"httpGet": {"path": "/", "port": HEALTH_PORT}}
    return {
        "livenessProbe": {**check, "periodSeconds": 15, "failureThreshold": 4},
        "readinessProbe": {**check, "periodSeconds": 5, "failureThreshold": 3},
    }


def collector_args(preset: Preset) -> list[str]:
    """The config file, and the feature gates the configured components rely on."""
    args = [f"--config={CONFIG_DIR}/{CONFIG_KEY}"]
    if preset.feature_gates:
        args.append(f"--feature-gates={','.join(preset.feature_gates)}")
    return args


def collector_container(image: str, resources: Resources, preset: Preset) -> Json:
    config_mount = {"name": CONFIG_VOLUME, "mountPath": CONFIG_DIR, "readOnly": True}
    return {
        "name": CONTAINER_NAME,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": collector_args(preset),
        "env": list(preset.env),
        "ports": list(preset.ports),
        "resources": guaranteed(resources),
        "securityContext": security_context(preset),
        "volumeMounts": [config_mount, *preset.volume_mounts],
        **health_probes(),
    }


def pod_template(name: str, checksum: str, spec: Json) -> Json:
    return {
        "metadata": {
            "labels": {**kit_labels(name, COMPONENT), **selector_labels(name)},
            "annotations": {CHECKSUM_ANNOTATION: checksum},
        },
        "spec": spec,
    }


def deployment(name: str, namespace: str, rendered: str, pod_spec: Json, recreate: bool) -> Json:
    """One collector Deployment of one replica; `recreate` where two pods must never run at
    once (a single writer). The config checksum on the template rolls pods on a change."""
    spec: Json = {
        "replicas": 1,
        "selector": {"matchLabels": selector_labels(name)},
        "template": pod_template(name, config_checksum(rendered), pod_spec),
    }
    if recreate:
        spec["strategy"] = {"type": "Recreate"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, namespace),
        "spec": spec,
    }


def daemon_set(name: str, namespace: str, rendered: str, pod_spec: Json) -> Json:
    """One collector pod per node, replaced one node at a time; the config checksum on the
    template rolls pods on a change."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata(name, namespace),
        "spec": {
            "selector": {"matchLabels": selector_labels(name)},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": pod_template(name, config_checksum(rendered), pod_spec),
        },
    }


def collector_pod_spec(name: str, image: str, resources: Resources, preset: Preset) -> Json:
    config_volume = {"name": CONFIG_VOLUME, "configMap": {"name": name}}
    return {
        "serviceAccountName": name,
        "containers": [collector_container(image, resources, preset)],
        "volumes": [config_volume, *preset.volumes],
        "terminationGracePeriodSeconds": 30,
    }


def otlp_service(name: str, namespace: str, node_local: bool) -> Json:
    spec: Json = {
        "type": "ClusterIP",
        "selector": selector_labels(name),
        "ports": [
            {
                "name": "otlp-grpc",
                "port": 4317,
                "targetPort": "otlp-grpc",
                "protocol": "TCP",
                "appProtocol": "grpc",
            },
            {
                "name": "otlp-http",
                "port": 4318,
                "targetPort": "otlp-http",
                "protocol": "TCP",
                "appProtocol": "http",
            },
        ],
    }
    if node_local:
        spec["internalTrafficPolicy"] = "Local"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, namespace),
        "spec": spec,
    }
