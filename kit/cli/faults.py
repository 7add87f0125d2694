"""`kit break pod|slow|errors` and the in-cluster half of `kit heal`: a crash-looping pod
named phoenix, and the sample app's fault knobs set on (and removed from) sample-back."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from agent.labels import kit_labels
from components.names import APP_NAMESPACE, app_workload
from components.versions import SAMPLE_APP_PYTHON_IMAGE
from kit.cli.kube import Kube

PHOENIX = "phoenix"
BACK = app_workload("back")
APP_CONTAINER = "app"
ERROR_KNOB = "FAULT_ERROR_RATIO"
LATENCY_KNOB = "FAULT_EXTRA_LATENCY_MS"
KNOBS = (ERROR_KNOB, LATENCY_KNOB)


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


def break_pod(kube: Kube) -> str:
    try:
        kube.core.create_namespaced_pod(APP_NAMESPACE, phoenix_pod(), _request_timeout=15)
    except ApiException as err:
        if err.status == 409:
            return (
                f"pod {APP_NAMESPACE}/{PHOENIX} already exists (crash-looping); kit heal removes it"
            )
        raise
    return (
        f"created pod {APP_NAMESPACE}/{PHOENIX}: it exits at once and goes into CrashLoopBackOff; "
        "KubePodCrashLooping fires after 15 minutes"
    )


def set_knob(kube: Kube, name: str, value: str) -> str:
    """Set one env var on sample-back's app container (a rollout: about 20 s)."""
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": APP_CONTAINER, "env": [{"name": name, "value": value}]}]
                }
            }
        }
    }
    kube.apps.patch_namespaced_deployment(
        BACK,
        APP_NAMESPACE,
        patch,  # strategic merge: env entries merge by name, the rest of the list stays
        _content_type="application/strategic-merge-patch+json",
        _request_timeout=15,
    )
    return f"set {name}={value} on {APP_NAMESPACE}/{BACK} (rolling out)"


def heal_app(kube: Kube) -> list[str]:
    """Delete phoenix and remove the fault knobs; says what it did, or that nothing was needed."""
    done = []
    try:
        kube.core.delete_namespaced_pod(
            PHOENIX,
            APP_NAMESPACE,
            grace_period_seconds=0,
            _preload_content=False,  # the answer is a Pod or a Status: nothing to read from it
            _request_timeout=15,
        )
        done.append(f"deleted pod {APP_NAMESPACE}/{PHOENIX}")
    except ApiException as err:
        if err.status != 404:
            raise
    deploy = kube.apps.read_namespaced_deployment(BACK, APP_NAMESPACE, _request_timeout=15)
    containers = deploy.spec.template.spec.containers
    index = next(i for i, c in enumerate(containers) if c.name == APP_CONTAINER)
    env = containers[index].env or []
    kept = [e for e in env if e.name not in KNOBS]
    if len(kept) != len(env):
        path = f"/spec/template/spec/containers/{index}/env"
        patch = [
            {"op": "test", "path": path, "value": kube.api.sanitize_for_serialization(env)},
            {"op": "replace", "path": path, "value": kube.api.sanitize_for_serialization(kept)},
        ]
        kube.apps.patch_namespaced_deployment(
            BACK,
            APP_NAMESPACE,
            patch,
            _content_type="application/json-patch+json",
            _request_timeout=15,
        )
        removed = sorted({e.name for e in env} - {e.name for e in kept})
        done.append(f"removed {', '.join(removed)} from {APP_NAMESPACE}/{BACK}")
    return done
