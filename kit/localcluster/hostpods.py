"""Run the prometheus-operator on the host for each Running operator pod: kwok runs no pod, and
the kit needs the StatefulSets the operator makes (docs/e2e.md, "What kwok cannot stand in for").

The real binary gets the pod's arguments, env and a token bound to the pod, so the chart's RBAC
is what it runs with; its in-cluster credentials appear in a private mount namespace, so the
host's /var/run is untouched. It stops when the pod goes away, as a kubelet would. Its web
listener serves plain HTTP on loopback: the certificate the pod mounts exists only in the pod.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from kit.localcluster import processes
from kit.localcluster.api import Api, ApiError

# image repository (without registry and tag) -> binary in the e2e bin folder
HOST_BINARIES = {"prometheus-operator/prometheus-operator": "operator"}
TOKEN_SECONDS = 3600 * 6
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# In the private mount namespace: a tmpfs over /var/run holding the pod's projected files.
_WITH_SA_FILES = (
    'mount -t tmpfs tmpfs /var/run && mkdir -p "$2" && cp "$1"/* "$2"/ && shift 2 && exec "$@"'
)


def image_repository(image: str) -> str:
    name = image.split("@")[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name.rsplit(":", 1)[0]
    parts = name.split("/")
    if "." in parts[0] or ":" in parts[0] or parts[0] == "localhost":
        parts = parts[1:]  # drop the registry
    return "/".join(parts)


def host_args(args: list[str], listen_port: int) -> list[str]:
    """The pod's arguments with its web listener moved to plain HTTP on loopback."""
    kept = [a for a in args if not a.startswith("--web.")]
    return [*kept, "--web.enable-tls=false", f"--web.listen-address=127.0.0.1:{listen_port}"]


def unshare() -> list[str] | None:
    """How to enter a private mount namespace here (root, or a user namespace), or None."""
    command = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    try:
        ok = subprocess.run([*command, "true"], capture_output=True, timeout=10).returncode == 0
    except FileNotFoundError:
        ok = False
    return command if ok else None


def service_account_files(api: Api, pod: dict, folder: Path) -> Path:
    """token (bound to the pod), ca.crt and namespace, as the kubelet projects them."""
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    sa = pod["spec"].get("serviceAccountName") or "default"
    token = api.create(
        f"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "expirationSeconds": TOKEN_SECONDS,
                "boundObjectRef": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": name,
                    "uid": pod["metadata"]["uid"],
                },
            },
        },
    )["status"]["token"]
    files = folder / f"{ns}.{name}"
    files.mkdir(mode=0o700, exist_ok=True)
    (files / "token").write_text(token)
    (files / "ca.crt").write_text(Path(api.ca).read_text())
    (files / "namespace").write_text(ns)
    return files


def pod_command(
    binary: Path, container: dict, files: Path, listen_port: int, mount_ns: list[str]
) -> list[str]:
    script = ["sh", "-c", _WITH_SA_FILES, "sh", str(files), SA_DIR]
    return [*mount_ns, *script, str(binary), *host_args(container.get("args", []), listen_port)]


def wanted(pod: dict) -> tuple[dict, str] | None:
    if pod["metadata"].get("deletionTimestamp") or pod["status"].get("phase") != "Running":
        return None
    for c in pod["spec"]["containers"]:
        binary = HOST_BINARIES.get(image_repository(c["image"]))
        if binary:
            return c, binary
    return None


def supervise(state: Path, bin_dir: Path, every: float = 1.0) -> None:
    doc = json.loads(state.read_text())
    api = Api(doc["server"], doc["ca"], doc["admin_cert"], doc["admin_key"])
    folder = Path(doc["dir"]) / "hostpods"
    folder.mkdir(exist_ok=True)
    running: dict[str, processes.Started] = {}
    from kit.localcluster.controlplane import free_port

    mount_ns = unshare()
    if mount_ns is None:
        print(
            "cannot enter a private mount namespace (unshare --mount): run as root or allow "
            "unprivileged user namespaces; pods are not run on the host",
            flush=True,
        )
    server = urlparse(api.server)
    in_cluster = {
        "KUBERNETES_SERVICE_HOST": server.hostname,
        "KUBERNETES_SERVICE_PORT": str(server.port),
    }
    while state.exists():
        try:
            pods = api.get("/api/v1/pods")["items"]
        except (ApiError, OSError):
            time.sleep(every)
            continue
        seen = set()
        for pod in pods:
            hit = wanted(pod)
            if not hit:
                continue
            uid = pod["metadata"]["uid"]
            seen.add(uid)
            if uid in running and processes.alive(running[uid]):
                continue
            if mount_ns is None:
                continue
            container, binary = hit
            env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
            files = service_account_files(api, pod, folder)
            argv = pod_command(bin_dir / binary, container, files, free_port(), mount_ns)
            name = f"{pod['metadata']['namespace']}.{pod['metadata']['name']}"
            running[uid] = processes.start(
                name, argv, Path(doc["dir"]) / "logs", {**env, **in_cluster}
            )
            print(f"started {binary} for pod {name} (pid {running[uid].pid})", flush=True)
        for uid in [u for u in running if u not in seen]:
            processes.stop(running.pop(uid))
            print(f"stopped the process of pod uid {uid}", flush=True)
        time.sleep(every)
    for p in running.values():
        processes.stop(p)


if __name__ == "__main__":
    supervise(Path(sys.argv[1]), Path(sys.argv[2]))
