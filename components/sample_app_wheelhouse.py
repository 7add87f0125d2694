"""The sample app's wheelhouse: the only pod of the app that reaches the Internet.

A NetworkPolicy cannot single out one container, so a tier whose init container installed from
PyPI would keep egress to any address on 443 while it serves traffic. Instead this pod's init
container downloads exactly the hash-locked wheels (sample-app/requirements.txt, for its own
platform and Python: the tiers' image) and its main container serves them read-only over HTTP;
the tiers install with `--no-index --find-links` from it, still `--require-hashes` against their
own copy of the lock, so the wheelhouse can withhold a package but never substitute one.
"""

from __future__ import annotations

from typing import Any

from components import sample_app_pods as pod_parts
from components.names import WHEELHOUSE
from components.network_policy_blocks import egress, for_pods, ingress, named

SERVICE = "wheelhouse"
PORT = 8000
URL = f"http://{SERVICE}:{PORT}/"
HTTPS = 443  # PyPI: pypi.org and files.pythonhosted.org, behind a CDN with no fixed addresses
WHEELS = "/wheels"
REQUIREMENTS = "/app/requirements.txt"
DOWNLOAD = [
    "python", "-m", "pip", "download", "--require-hashes", "--only-binary=:all:",
    "--no-cache-dir", "--disable-pip-version-check", "--dest", WHEELS, "-r", REQUIREMENTS,
]  # fmt: skip
SERVE = ["python", "-m", "http.server", str(PORT), "--bind", "0.0.0.0", "--directory", WHEELS]
# How long a tier's init container waits for the wheelhouse before it fails (and the kubelet
# starts it again): the wheelhouse's own start is an image pull and one download.
WAIT_S = 300
WAIT_SCRIPT = "/app/wait_for_wheelhouse.py"
DOWNLOAD_RESOURCES = {"cpu": "100m", "memory": "160Mi"}  # measured: docs/sizing.md


def install_command(pip_install: list[str]) -> list[str]:
    """A tier's init container: wait for the wheelhouse, then `pip_install` from it alone."""
    from_wheelhouse = [*pip_install, "--no-index", "--find-links", URL]
    return ["python", WAIT_SCRIPT, URL, str(WAIT_S), "--", *from_wheelhouse]


def wheelhouse_objects(
    namespace: str, python_image: str, source_config_map: str, clients: dict[str, Any]
) -> list[dict[str, Any]]:
    """Deployment, Service and NetworkPolicy; `clients` selects the pods that may fetch
    from it (in `namespace`)."""
    return [
        _deployment(namespace, python_image, source_config_map),
        # Its selector is exactly the tiers' egress peer: eks's policy agent sees the ClusterIP
        # before kube-proxy translates it, and admits it only for a Service whose selector the
        # rule's podSelector matches (aws/amazon-network-policy-controller-k8s@03e22b5
        # pkg/resolvers/endpoints.go, getMatchingServiceClusterIPs).
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": pod_parts.meta(SERVICE, namespace, WHEELHOUSE),
            "spec": {
                "selector": {"app.kubernetes.io/name": WHEELHOUSE},
                "ports": [{"name": "http", "port": PORT, "targetPort": "http"}],
                "type": "ClusterIP",
            },
        },
        for_pods(
            "wheelhouse",
            namespace,
            named(WHEELHOUSE),
            ingress=[ingress([{"podSelector": clients}], PORT)],
            egress=[egress(None, HTTPS)],
        ),
    ]


def _deployment(namespace: str, python_image: str, source_config_map: str) -> dict[str, Any]:
    requirements = {"key": "requirements.txt", "path": "requirements.txt"}
    probe = {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 10}
    pod = {
        "automountServiceAccountToken": False,
        "securityContext": pod_parts.pod_security(),
        "initContainers": [
            {
                "name": "download",
                "image": python_image,
                "command": DOWNLOAD,
                "env": pod_parts.env(HOME="/tmp"),
                "resources": {
                    "requests": dict(DOWNLOAD_RESOURCES),
                    "limits": dict(DOWNLOAD_RESOURCES),
                },
                "securityContext": pod_parts.container_security(),
                "volumeMounts": [
                    {"name": "requirements", "mountPath": "/app", "readOnly": True},
                    {"name": "tmp", "mountPath": "/tmp"},
                    {"name": "wheels", "mountPath": WHEELS},
                ],
            }
        ],
        "containers": [
            {
                "name": "serve",
                "image": python_image,
                "command": SERVE,
                "env": pod_parts.env(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1"),
                "ports": [{"name": "http", "containerPort": PORT}],
                "livenessProbe": probe,
                "readinessProbe": {**probe, "periodSeconds": 5},
                "resources": {
                    "requests": {"cpu": "20m", "memory": "48Mi"},
                    "limits": {"memory": "96Mi"},
                },
                "securityContext": pod_parts.container_security(),
                "volumeMounts": [{"name": "wheels", "mountPath": WHEELS, "readOnly": True}],
            }
        ],
        "volumes": [
            {
                "name": "requirements",
                "configMap": {
                    "name": source_config_map,
                    "items": [requirements],
                    "defaultMode": 0o444,
                },
            },
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
            {"name": "wheels", "emptyDir": {"sizeLimit": "100Mi"}},
        ],
    }
    labels = pod_parts.labels(WHEELHOUSE)
    return pod_parts.deployment(WHEELHOUSE, namespace, labels, pod, {})
