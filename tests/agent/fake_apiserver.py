"""A loopback Kubernetes API server for k8s_attributes: list and watch of one node's pods, enough
for client-go's pod informer (JSON; a watch stays open with no events; a WatchList request is
refused, so the reflector falls back to list-then-watch, as it does against an API server
without that feature).

Each pod is what a Deployment's ReplicaSet makes: the app.kubernetes.io/name label, the
pod-template-hash label and an owner ReplicaSet named <deployment>-<hash>. That is all
k8s_attributes 0.159.0 needs for k8s.deployment.name: `deployment_name_from_replicaset`
defaults to true (processor factory.go), so it trims the hash off the ReplicaSet's name and
starts no ReplicaSet informer (a request for anything else gets 404 and shows in `requests`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RS_HASH = "7d9f8c6b5"


@dataclass(frozen=True)
class Pod:
    namespace: str
    deployment: str
    name: str
    uid: str
    ip: str

    @property
    def replica_set(self) -> str:
        return f"{self.deployment}-{RS_HASH}"


def _owner(kind: str, name: str) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": name,
        "uid": f"uid-{name}",
        "controller": True,
    }


def pod_object(pod: Pod, node: str) -> dict:
    return {
        "metadata": {
            "name": pod.name,
            "namespace": pod.namespace,
            "uid": pod.uid,
            "resourceVersion": "1",
            "labels": {"app.kubernetes.io/name": pod.deployment, "pod-template-hash": RS_HASH},
            "ownerReferences": [_owner("ReplicaSet", pod.replica_set)],
        },
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "app:1"}]},
        "status": {
            "phase": "Running",
            "podIP": pod.ip,
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": True,
                    "restartCount": 0,
                    "image": "app:1",
                    "imageID": "app@sha256:" + "0" * 64,
                    "containerID": f"containerd://{pod.uid.replace('-', '')}",
                }
            ],
        },
    }


class FakeApiServer:
    """Serves `pods` (all on `node`) on 127.0.0.1; `kubeconfig(folder)` writes a kubeconfig for
    it (k8s_attributes with auth_type kubeConfig reads $KUBECONFIG)."""

    def __init__(self, pods: list[Pod], node: str) -> None:
        self.stopping = threading.Event()
        self.requests: list[str] = []
        lists = {
            "/api/v1/pods": {
                "kind": "PodList",
                "apiVersion": "v1",
                "items": [pod_object(p, node) for p in pods],
            },
        }
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server hook
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                server.requests.append(self.path)
                found = lists.get(url.path)
                if found is None:
                    return self._json(404, _status(404, "NotFound", url.path))
                if query.get("sendInitialEvents") == ["true"]:
                    return self._json(400, _status(400, "BadRequest", "no WatchList here"))
                if query.get("watch") == ["true"]:
                    return self._hold_watch()
                body = {**found, "metadata": {"resourceVersion": "1"}}
                return self._json(200, body)

            def _json(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _hold_watch(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.flush()
                server.stopping.wait()
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kubeconfig(self, folder: Path) -> Path:
        path = folder / "kubeconfig"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "bench", "cluster": {"server": self.url}}],
            "users": [{"name": "bench", "user": {}}],
            "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
            "current-context": "bench",
        }
        path.write_text(json.dumps(config))
        return path

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def _status(code: int, reason: str, message: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
