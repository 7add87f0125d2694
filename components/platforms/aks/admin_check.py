"""aks: wait until the cluster lets the deployer act as cluster admin, asking the API server with
the kube provider's own kubeconfig (its kubelogin exec user, so the very token it will send).

A new Azure RBAC role assignment reaches the cluster's authorizer only minutes after ARM reports
it created (up to five, says learn.microsoft.com/azure/aks/manage-azure-rbac, "Before you
begin"), and pulumi-kubernetes retries a create only on NotFound and NoMatch, never on 403
Forbidden (pulumi/pulumi-kubernetes@ecd723a4 provider/pkg/await/await.go, Creation). So the
first `pulumi up` would fail on its first Kubernetes object without this wait.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import yaml

REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
# The first thing the kit creates, cluster-wide: a namespace.
REVIEW = {
    "apiVersion": "authorization.k8s.io/v1",
    "kind": "SelfSubjectAccessReview",
    "spec": {"resourceAttributes": {"verb": "create", "resource": "namespaces"}},
}
# What client-go hands an exec plugin (client.authentication.k8s.io/v1beta1 ExecCredential).
EXEC_INFO = {
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential",
    "spec": {"interactive": False},
}
REQUEST_SECONDS = 15  # one review or one token, so a hung call cannot outlast the deadline
EXEC_SECONDS = 60


class AdminCheckError(RuntimeError):
    """The deployer cannot act on the cluster: the message is one line saying what to check."""


def exec_token(user: dict[str, Any]) -> str:
    """Run the kubeconfig user's exec plugin as client-go does and return its bearer token."""
    plugin = user["exec"]
    command = [plugin["command"], *plugin.get("args", [])]
    env = {**os.environ, **{e["name"]: e["value"] for e in plugin.get("env") or []}}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(EXEC_INFO)
    try:
        run = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=EXEC_SECONDS, check=False
        )
    except FileNotFoundError:
        raise AdminCheckError(
            f"{plugin['command']} not found on PATH: install it (az aks install-cli)"
        ) from None
    except subprocess.TimeoutExpired:
        run = subprocess.CompletedProcess(command, 1, "", f"no token after {EXEC_SECONDS} s")
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no error output"])[-1]
        raise AdminCheckError(
            f"{' '.join(command[:2])} failed ({last}): is `az login` done, in the cluster's tenant?"
        )
    return json.loads(run.stdout)["status"]["token"]


def review(server: str, context: ssl.SSLContext | None, token: str) -> str | None:
    """None when the API server allows the review's action, else what it answered instead."""
    request = urllib.request.Request(
        server.rstrip("/") + REVIEW_PATH,
        data=json.dumps(REVIEW).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_SECONDS, context=context) as reply:
            status = json.load(reply).get("status", {})
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code} {err.reason}"
    except (urllib.error.URLError, OSError) as err:
        return f"unreachable ({getattr(err, 'reason', err)})"
    if status.get("allowed") is True:
        return None
    return f"allowed: false ({status.get('reason') or 'no reason given'})"


def _cluster_and_user(kubeconfig: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load(kubeconfig)
    context = next(c for c in config["contexts"] if c["name"] == config["current-context"])
    names = context["context"]
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == names["cluster"])
    user = next(u["user"] for u in config["users"] if u["name"] == names["user"])
    return cluster, user


def _tls(cluster: dict[str, Any]) -> ssl.SSLContext | None:
    """Trust only the cluster's own CA, as the kubeconfig says; plain http needs none."""
    ca = cluster.get("certificate-authority-data")
    if not cluster["server"].startswith("https://") or not ca:
        return None
    return ssl.create_default_context(cadata=base64.b64decode(ca).decode())


def wait_until_admin(
    kubeconfig: str,
    timeout: float,
    interval: float,
    hint: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Ask until the API server allows creating namespaces; return how many answers it took.
    Denials and unreachable servers are retried until `timeout` seconds, then AdminCheckError
    names the server, the last answer and `hint` (what to check)."""
    cluster, user = _cluster_and_user(kubeconfig)
    context = _tls(cluster)
    deadline = clock() + timeout
    attempts = 0
    while True:
        attempts += 1
        answer = review(cluster["server"], context, exec_token(user))
        if answer is None:
            return attempts
        if clock() + interval > deadline:
            raise AdminCheckError(
                f"{cluster['server']} still refuses the deployer cluster admin after "
                f"{timeout:.0f} s (last answer: {answer}): check {hint}"
            )
        sleep(interval)
