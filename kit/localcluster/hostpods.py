"""Run, on the host, the one kind of pod whose work the kit cannot do without: the
prometheus-operator, which turns the kit's Prometheus and Alertmanager into StatefulSets.

kwok marks every pod Running without running it. For each Running pod whose image is the
prometheus-operator, this supervisor starts the real binary (built at the chart's version) with
the pod's own arguments and environment, authenticated as the pod's ServiceAccount with a token
bound to the pod (TokenRequest), so the chart's RBAC is what it runs with. It stops the process
when the pod goes away, as a kubelet would. Only the pod's web listener changes: it serves plain
HTTP on a loopback port, since the certificate it mounts exists only inside the pod.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

from kit.localcluster import processes
from kit.localcluster.api import Api, ApiError

# image repository (without registry and tag) -> binary in the e2e bin folder
HOST_BINARIES = {"prometheus-operator/prometheus-operator": "operator"}
TOKEN_SECONDS = 3600 * 6


def image_repository(image: str) -> str:
    name = image.split("@")[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name.rsplit(":", 1)[0]
    parts = name.split("/")
    if "." in parts[0] or ":" in parts[0] or parts[0] == "localhost":
        parts = parts[1:]  # drop the registry
    return "/".join(parts)


def host_args(args: list[str], listen_port: int, kubeconfig: Path) -> list[str]:
    """The pod's arguments with its web listener moved to plain HTTP on loopback."""
    kept = [a for a in args if not a.startswith("--web.")]
    return [
        *kept,
        "--web.enable-tls=false",
        f"--web.listen-address=127.0.0.1:{listen_port}",
        f"--kubeconfig={kubeconfig}",
    ]


def pod_kubeconfig(api: Api, pod: dict, folder: Path) -> Path:
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
    path = folder / f"{ns}.{name}.kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "local",
                        "cluster": {"server": api.server, "certificate-authority": api.ca},
                    }
                ],
                "users": [{"name": sa, "user": {"token": token}}],
                "contexts": [
                    {"name": "pod", "context": {"cluster": "local", "user": sa, "namespace": ns}}
                ],
                "current-context": "pod",
            }
        )
    )
    path.chmod(0o600)
    return path


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
            container, binary = hit
            env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
            kc = pod_kubeconfig(api, pod, folder)
            argv = [str(bin_dir / binary), *host_args(container.get("args", []), free_port(), kc)]
            name = f"{pod['metadata']['namespace']}.{pod['metadata']['name']}"
            running[uid] = processes.start(name, argv, Path(doc["dir"]) / "logs", env)
            print(f"started {binary} for pod {name} (pid {running[uid].pid})", flush=True)
        for uid in [u for u in running if u not in seen]:
            processes.stop(running.pop(uid))
            print(f"stopped the process of pod uid {uid}", flush=True)
        time.sleep(every)
    for p in running.values():
        processes.stop(p)


if __name__ == "__main__":
    supervise(Path(sys.argv[1]), Path(sys.argv[2]))
