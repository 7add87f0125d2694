"""EKS Fargate: a collector sidecar per pod, since Fargate runs no DaemonSet and no hostPath.

The sidecar takes the app's OTLP on localhost, reads its stdout/stderr from chunk files the log
wrapper (scripts/app-log-wrapper.sh) writes on a shared emptyDir, adds the pod's attributes from
the downward API (k8s_attributes cannot see its own pod) and forwards everything to the gateway,
so the app pod needs no API access and no cloud credentials. The files are raw output (no CRI
parser) read from the beginning, as they belong to this pod alone; checkpoints make a restart
resume.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib.resources import files

from agent import exporters
from agent import preset_catalog as presets
from agent.backends import Resources
from agent.collector_config import build_config, config_checksum, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import (
    CONFIG_DIR,
    CONFIG_KEY,
    CONTAINER_NAME,
    collector_container,
    config_map,
)
from agent.preset import Json, Preset, combine, field_env, value_env
from agent.quantities import MIB
from components.platforms.eks.fargate_collectors import gateway_endpoint

SIDECAR_CONFIG_MAP = "otel-fargate-sidecar"
WRAPPER_KEY = "app-log-wrapper.sh"
WRAPPER_DIR = "/otel-wrapper"
APP_LOG_DIR = "/var/log/app"
APP_LOG_VOLUME = "otel-app-logs"
WRAPPER_VOLUME = "otel-log-wrapper"
CONFIG_VOLUME = "otel-sidecar-config"
STATE_SIZE_LIMIT = "1Gi"
STREAMS = ("stdout", "stderr")
# Small enough to keep the sample app's pods in Fargate's smallest CPU size (fargate_sizing.py;
# `python -m components.platforms.eks.bench_fargate_size`, sample-app/README.md).
DEFAULT_SIDECAR_RESOURCES = Resources(cpu="100m", memory="256Mi")
# Kubernetes' default when a pod spec sets no terminationGracePeriodSeconds.
DEFAULT_GRACE_SECONDS = 30
# What the collector itself needs after its SIGTERM: the batch processor and the exporter's
# queue flush to the gateway.
COLLECTOR_SHUTDOWN_SECONDS = 10


@dataclass(frozen=True)
class LogChunks:
    """Bounds of the app-log emptyDir: per stream at most keep + 1 chunks exist (the pruner runs
    every prune_seconds), so the volume's sizeLimit holds one spare chunk per stream."""

    chunk_bytes: int = 4 * MIB
    keep_chunks: int = 4
    prune_seconds: int = 1

    @property
    def size_limit(self) -> str:
        return f"{len(STREAMS) * (self.keep_chunks + 2) * self.chunk_bytes // MIB}Mi"


def wrapper_script() -> str:
    return files("components.platforms.eks").joinpath("scripts", WRAPPER_KEY).read_text()


def app_log_files() -> Preset:
    receivers = {
        f"file_log/{stream}": {
            "include": [f"{APP_LOG_DIR}/{stream}.*.log"],
            "start_at": "beginning",
            "include_file_name": False,
            "storage": "file_storage",
            "retry_on_failure": {"enabled": True},
            "operators": [
                {"type": "add", "field": 'attributes["log.iostream"]', "value": stream},
                *presets.APP_JSON_LOG_OPERATORS,
            ],
        }
        for stream in STREAMS
    }
    mount = {"name": APP_LOG_VOLUME, "mountPath": APP_LOG_DIR, "readOnly": True}
    return Preset(
        receivers=receivers,
        volume_mounts=(mount,),
        feature_gates=(f"+{presets.SYNCHRONOUS_LOG_EMITTER_GATE}",),
    )


_POD_ATTRIBUTES = (
    ("k8s.pod.name", "K8S_POD_NAME", "metadata.name"),
    ("k8s.pod.uid", "K8S_POD_UID", "metadata.uid"),
    ("k8s.namespace.name", "K8S_NAMESPACE", "metadata.namespace"),
    ("k8s.node.name", "K8S_NODE_NAME", "spec.nodeName"),
)


def _pod_attributes() -> Preset:
    """Downward-API attributes; upsert because the pod knows best, insert for the container
    name so an SDK that sets it keeps its value."""
    actions = [
        {"key": key, "value": f"${{env:{env}}}", "action": "upsert"}
        for key, env, _ in _POD_ATTRIBUTES
    ]
    actions.append(
        {"key": "k8s.container.name", "value": "${env:APP_CONTAINER_NAME}", "action": "insert"}
    )
    # service.name for the log files (insert: the app's own OTLP one wins). A missing label is
    # "" from the downward API, which `${env:X}` decodes as null and the processor refuses, so
    # default_value (coreinternal/attraction) falls back to the container's name.
    actions.append(
        {
            "key": "service.name",
            "value": "${env:K8S_APP_NAME}",
            "default_value": "${env:APP_CONTAINER_NAME}",
            "action": "insert",
        }
    )
    return Preset(
        processors={"resource/pod": {"attributes": actions}},
        env=(
            *(field_env(env, path) for _, env, path in _POD_ATTRIBUTES),
            field_env("K8S_APP_NAME", f"metadata.labels['{presets.APP_NAME_LABEL}']"),
        ),
    )


def _pod_side(resources: Resources) -> Preset:
    """Everything of the sidecar that shapes the pod (env, volumes, ports)."""
    return combine(
        [
            presets.base(resources),
            presets.persistent_state({"emptyDir": {"sizeLimit": STATE_SIZE_LIMIT}}),
            presets.otlp("127.0.0.1"),
            app_log_files(),
            _pod_attributes(),
        ]
    )


def sidecar_config(agent_namespace: str) -> Json:
    """The sidecar's collector config (checked); independent of the pod it is added to."""
    preset = _pod_side(DEFAULT_SIDECAR_RESOURCES) + exporters.gateway(
        gateway_endpoint(agent_namespace)
    )
    out = ["otlp_grpc/gateway"]
    logs_in = ["otlp", *(f"file_log/{s}" for s in STREAMS)]
    return build_config(
        preset,
        {
            "traces": pipeline(["otlp"], out, ["resource/pod"]),
            "metrics": pipeline(["otlp"], out, ["resource/pod"]),
            "logs": pipeline(logs_in, out, ["resource/pod"]),
        },
    )


def fargate_sidecar_manifests(namespace: str, agent_namespace: str) -> list[Json]:
    """The ConfigMap (collector config + log wrapper) every sidecar pod of `namespace` mounts.
    No ServiceAccount and no RBAC: the sidecar never calls the Kubernetes API."""
    data = {
        CONFIG_KEY: render_config(sidecar_config(agent_namespace)),
        WRAPPER_KEY: wrapper_script(),
    }
    return [config_map(SIDECAR_CONFIG_MAP, namespace, data)]


def fargate_sidecar_annotations(agent_namespace: str) -> dict[str, str]:
    """For the pod template (add_fargate_sidecar only sees the pod spec): rolls the pods when
    the sidecar config or the wrapper changes."""
    data = render_config(sidecar_config(agent_namespace)) + wrapper_script()
    return {"checksum/otel-sidecar": config_checksum(data)}


def add_fargate_sidecar(
    pod_spec: Json,
    *,
    app_container: str,
    resources: Resources = DEFAULT_SIDECAR_RESOURCES,
    image: str = COLLECTOR_IMAGE,
    chunks: LogChunks = LogChunks(),
) -> Json:
    """A copy of `pod_spec` with the sidecar added and `app_container`'s command wrapped by the
    log wrapper, which must see the command (an image's ENTRYPOINT is not in the spec)."""
    spec = copy.deepcopy(pod_spec)
    names = {v["name"] for v in spec.get("volumes", [])}
    clashes = names & {APP_LOG_VOLUME, WRAPPER_VOLUME, CONFIG_VOLUME, presets.STATE_VOLUME}
    if clashes:
        raise ValueError(f"pod spec already has volumes named {sorted(clashes)}")
    if any(c["name"] == CONTAINER_NAME for c in spec["containers"]):
        raise ValueError(f"pod spec already has a container named {CONTAINER_NAME!r}")
    app = next((c for c in spec["containers"] if c["name"] == app_container), None)
    if app is None:
        raise ValueError(f"no container named {app_container!r} in the pod spec")
    if not app.get("command"):
        raise ValueError(f"container {app_container!r} must set `command` to be wrapped")
    wrap_app(app, chunks)
    # The app was given its pod's grace period to stop (preStop, drain, telemetry flush): the
    # sidecar gets its SIGTERM only after that, and the pod as long again as the collector needs.
    app_budget = spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    spec["terminationGracePeriodSeconds"] = app_budget + COLLECTOR_SHUTDOWN_SECONDS
    spec["containers"].append(_sidecar_container(app_container, resources, image, app_budget))
    spec["volumes"] = [
        *spec.get("volumes", []),
        {"name": APP_LOG_VOLUME, "emptyDir": {"sizeLimit": chunks.size_limit}},
        {
            "name": WRAPPER_VOLUME,
            "configMap": {
                "name": SIDECAR_CONFIG_MAP,
                "defaultMode": 0o555,
                "items": [{"key": WRAPPER_KEY, "path": WRAPPER_KEY}],
            },
        },
        {
            "name": CONFIG_VOLUME,
            "configMap": {
                "name": SIDECAR_CONFIG_MAP,
                "items": [{"key": CONFIG_KEY, "path": CONFIG_KEY}],
            },
        },
        *_pod_side(resources).volumes,
    ]
    return spec


def wrap_app(app: Json, chunks: LogChunks) -> None:
    app["command"] = [
        "/bin/bash",
        f"{WRAPPER_DIR}/{WRAPPER_KEY}",
        *app["command"],
        *app.pop("args", []),
    ]
    settings = {
        "APP_LOG_DIR": APP_LOG_DIR,
        "APP_LOG_CHUNK_BYTES": str(chunks.chunk_bytes),
        "APP_LOG_KEEP_CHUNKS": str(chunks.keep_chunks),
        "APP_LOG_PRUNE_SECONDS": str(chunks.prune_seconds),
        # OTLP/HTTP: the SDKs' default protocol (OTLP exporter spec), so an app that only sets
        # the endpoint reaches the sidecar; gRPC stays open on 4317 for apps that choose it.
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{presets.OTLP_HTTP_PORT}",
    }
    kept = [e for e in app.get("env", []) if e["name"] not in settings]
    app["env"] = kept + [value_env(name, value) for name, value in settings.items()]
    app["volumeMounts"] = [
        *app.get("volumeMounts", []),
        {"name": APP_LOG_VOLUME, "mountPath": APP_LOG_DIR},
        {"name": WRAPPER_VOLUME, "mountPath": WRAPPER_DIR, "readOnly": True},
    ]


def _sidecar_container(
    app_container: str, resources: Resources, image: str, app_budget: int
) -> Json:
    """A regular container whose preStop (a sleep: the image has no shell) outlasts the app's
    shutdown. Not a native sidecar: the EKS user guide ("Fargate pod configuration") sizes a pod
    with no exception for restartable init containers, so its resources could go unprovisioned."""
    preset = _pod_side(resources) + Preset(env=(value_env("APP_CONTAINER_NAME", app_container),))
    container = collector_container(image, resources, preset)
    container["volumeMounts"][0]["name"] = CONFIG_VOLUME
    container["volumeMounts"][0]["mountPath"] = CONFIG_DIR
    container["lifecycle"] = {"preStop": {"sleep": {"seconds": app_budget}}}
    return container


def fargate_pod(pod_spec: Json, app_container: str, agent_namespace: str) -> tuple[Json, dict]:
    """KitCluster.fargate_pod on eks: the sidecar added, and the annotation that rolls the pods
    when its config changes."""
    pod = add_fargate_sidecar(pod_spec, app_container=app_container)
    return pod, fargate_sidecar_annotations(agent_namespace)
