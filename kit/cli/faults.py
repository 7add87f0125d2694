"""`kit break pod|slow|errors` and the in-cluster half of `kit heal`: a crash-looping pod
named phoenix, and the sample app's fault knobs set on (and put back on) sample-back. Each is
annotated with the break run that made it; heal touches only what still carries that run."""

from __future__ import annotations

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from agent.labels import kit_labels
from components.names import APP_NAMESPACE, app_workload
from components.versions import SAMPLE_APP_PYTHON_IMAGE
from kit.cli.breaks import RUN_ANNOTATION
from kit.cli.kube import Kube

PHOENIX = "phoenix"
BACK = app_workload("back")
APP_CONTAINER = "app"
ERROR_KNOB = "FAULT_ERROR_RATIO"
LATENCY_KNOB = "FAULT_EXTRA_LATENCY_MS"


def phoenix_pod() -> dict:
    """A pod whose container exits at once, so the kubelet restarts it into CrashLoopBackOff.
    It meets the `restricted` Pod Security level the app namespace enforces."""
    restricted = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": PHOENIX,
            "namespace": APP_NAMESPACE,
            "labels": {**kit_labels(PHOENIX, "demo"), "app.kubernetes.io/managed-by": "kit-cli"},
        },
        "spec": {
            "restartPolicy": "Always",
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": PHOENIX,
                    "image": SAMPLE_APP_PYTHON_IMAGE,
                    "command": [
                        "python",
                        "-c",
                        "import sys; print('phoenix: failing on purpose'); sys.exit(1)",
                    ],
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "32Mi"},
                        "limits": {"memory": "64Mi"},
                    },
                    "securityContext": restricted,
                }
            ],
        },
    }


def knob_annotation(name: str) -> str:
    """Which run set this knob: one annotation per knob, so two runs can each undo their own."""
    return f"{RUN_ANNOTATION}.{name}"


def break_pod(kube: Kube, run_id: str) -> tuple[str, dict | None]:
    """Create phoenix marked with the run; the action to record, or None if it was there."""
    pod = phoenix_pod()
    pod["metadata"]["annotations"] = {RUN_ANNOTATION: run_id}
    try:
        kube.core.create_namespaced_pod(APP_NAMESPACE, pod, _request_timeout=15)
    except ApiException as err:
        if err.status == 409:
            return (
                f"pod {APP_NAMESPACE}/{PHOENIX} already exists: left as it is, not recorded",
                None,
            )
        raise
    said = (
        f"created pod {APP_NAMESPACE}/{PHOENIX}: it exits at once and goes into CrashLoopBackOff; "
        "KubePodCrashLooping fires after 15 minutes"
    )
    return said, {"kind": "pod", "namespace": APP_NAMESPACE, "name": PHOENIX}


def set_knob(kube: Kube, name: str, value: str, run_id: str) -> tuple[str, dict]:
    """Set one env var on sample-back's app container (a rollout: about 20 s), remembering the
    value it had (None: unset) so heal puts that back."""
    deploy = kube.apps.read_namespaced_deployment(BACK, APP_NAMESPACE, _request_timeout=15)
    _, env = _app_env(deploy)
    before = next((e.value for e in env if e.name == name), None)
    before_run = (deploy.metadata.annotations or {}).get(knob_annotation(name))
    patch = {
        "metadata": {"annotations": {knob_annotation(name): run_id}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": APP_CONTAINER, "env": [{"name": name, "value": value}]}]
                }
            }
        },
    }
    kube.apps.patch_namespaced_deployment(
        BACK,
        APP_NAMESPACE,
        patch,  # strategic merge: env entries merge by name, the rest of the list stays
        _content_type="application/strategic-merge-patch+json",
        _request_timeout=15,
    )
    said = f"set {name}={value} on {APP_NAMESPACE}/{BACK} (rolling out)"
    action = {"kind": "knob", "deployment": BACK, "name": name, "before": before}
    return said, {**action, "before_run": before_run}


def heal_pod(kube: Kube, action: dict, run_id: str) -> str:
    """Delete phoenix if it is still the one this run created."""
    where = f"{action['namespace']}/{action['name']}"
    try:
        pod = kube.core.read_namespaced_pod(
            action["name"], action["namespace"], _request_timeout=15
        )
    except ApiException as err:
        if err.status != 404:
            raise
        return f"pod {where} is already gone"
    if (pod.metadata.annotations or {}).get(RUN_ANNOTATION) != run_id:
        return f"pod {where} is not the one run {run_id} created: left alone"
    kube.core.delete_namespaced_pod(
        action["name"],
        action["namespace"],
        grace_period_seconds=0,
        body={"preconditions": {"uid": pod.metadata.uid}},  # that pod, not a newer namesake
        _preload_content=False,  # the answer is a Pod or a Status: nothing to read from it
        _request_timeout=15,
    )
    return f"deleted pod {where}"


def heal_knob(kube: Kube, action: dict, run_id: str) -> str:
    """Put the knob back as it was before the run, if the run's annotation is still there."""
    name, key = action["name"], knob_annotation(action["name"])
    deploy = kube.apps.read_namespaced_deployment(BACK, APP_NAMESPACE, _request_timeout=15)
    if (deploy.metadata.annotations or {}).get(key) != run_id:
        return f"{name} on {APP_NAMESPACE}/{BACK} was not last set by run {run_id}: left alone"
    index, env = _app_env(deploy)
    if action["before"] is None:
        kept = [e for e in env if e.name != name]
        said = f"removed {name} from {APP_NAMESPACE}/{BACK}"
    else:
        kept = [client.V1EnvVar(name=name, value=action["before"]) if e.name == name else e
                for e in env]  # fmt: skip
        said = f"set {name} back to {action['before']} on {APP_NAMESPACE}/{BACK}"
    path = f"/spec/template/spec/containers/{index}/env"
    serial = kube.api.sanitize_for_serialization
    mark = "/metadata/annotations/" + key.replace("/", "~1")
    earlier = action.get("before_run")  # the run whose value this one replaced owns it again
    patch = [
        {"op": "test", "path": path, "value": serial(env)},
        {"op": "replace", "path": path, "value": serial(kept)},
        {"op": "add", "path": mark, "value": earlier}
        if earlier
        else {"op": "remove", "path": mark},
    ]
    kube.apps.patch_namespaced_deployment(
        BACK,
        APP_NAMESPACE,
        patch,
        _content_type="application/json-patch+json",
        _request_timeout=15,
    )
    return said


def _app_env(deploy) -> tuple[int, list]:
    containers = deploy.spec.template.spec.containers
    index = next(i for i, c in enumerate(containers) if c.name == APP_CONTAINER)
    return index, containers[index].env or []
