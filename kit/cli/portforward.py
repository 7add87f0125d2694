"""Port-forwarding through the kubernetes client (no kubectl needed): a local TCP listener
whose every connection opens its own port-forward stream to a ready pod behind a Service."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException
from kubernetes.stream import portforward

from kit.cli.errors import KitError
from kit.cli.kube import Kube

Opener = Callable[[], socket.socket]
CHUNK = 64 * 1024


@dataclass(frozen=True)
class PodPort:
    namespace: str
    pod: str
    port: int


def service_pod_port(kube: Kube, namespace: str, service: str, port: int) -> PodPort:
    """A ready pod behind `service` and the container port its `port` targets."""
    try:
        svc = kube.core.read_namespaced_service(service, namespace, _request_timeout=10)
    except ApiException as err:
        if err.status == 404:
            raise KitError(f"no Service {namespace}/{service} in {kube.where}") from None
        raise
    target = next((p.target_port for p in svc.spec.ports if p.port == port), None)
    if target is None:
        raise KitError(f"Service {namespace}/{service} has no port {port}")
    selector = ",".join(f"{k}={v}" for k, v in (svc.spec.selector or {}).items())
    pods = kube.core.list_namespaced_pod(namespace, label_selector=selector, _request_timeout=10)
    ready = [p for p in pods.items if _is_ready(p)]
    if not ready:
        raise KitError(f"no ready pod behind Service {namespace}/{service} (kit status shows why)")
    pod = ready[0]
    return PodPort(namespace, pod.metadata.name, _container_port(pod, target, port))


def _is_ready(pod) -> bool:
    if pod.status is None or pod.status.phase != "Running" or pod.metadata.deletion_timestamp:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def _container_port(pod, target, service_port: int) -> int:
    if target is None:
        return service_port
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in pod.spec.containers:
        for p in container.ports or []:
            if p.name == target:
                return p.container_port
    raise KitError(f"pod {pod.metadata.name} has no container port named {target}")


def pod_opener(kube: Kube, target: PodPort) -> Opener:
    """Opens one port-forward stream to the pod; each local connection gets its own."""

    def open_stream() -> socket.socket:
        forward = portforward(
            kube.core.connect_get_namespaced_pod_portforward,
            target.pod,
            target.namespace,
            ports=str(target.port),
        )
        remote = forward.socket(target.port)
        remote.setblocking(True)
        return remote

    return open_stream


class LocalForward:
    """Listens on 127.0.0.1 and relays each accepted connection to `open_remote()`."""

    def __init__(self, open_remote: Opener, local_port: int = 0):
        self._open_remote = open_remote
        self._listener = _listen(local_port)
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self.errors: list[str] = []
        threading.Thread(target=self._accept_loop, name="kit-forward", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                local, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(local,), daemon=True).start()

    def _relay(self, local: socket.socket) -> None:
        try:
            remote = self._open_remote()
        except Exception as err:  # noqa: BLE001 - any stream failure ends only this connection
            self.errors.append(f"{type(err).__name__}: {err}")
            local.close()
            return
        try:
            _pump(local, remote, self._closed)
        finally:
            for end in (local, remote):
                with contextlib.suppress(OSError):
                    end.close()


def _pump(a, b, closed: threading.Event) -> None:
    peers = {a.fileno(): (a, b), b.fileno(): (b, a)}
    while not closed.is_set():
        readable, _, _ = select.select(list(peers), [], [], 0.5)
        for fd in readable:
            source, sink = peers[fd]
            try:
                data = source.recv(CHUNK)
            except OSError:
                return
            if not data:
                return
            try:
                sink.sendall(data)
            except OSError:
                return


def _listen(port: int) -> socket.socket:
    """Bind the preferred port, or any free one if it is taken."""
    for candidate in (port, 0) if port else (0,):
        try:
            return socket.create_server(("127.0.0.1", candidate))
        except OSError:
            continue
    raise KitError("cannot listen on 127.0.0.1")


@contextlib.contextmanager
def forward_service(
    kube: Kube, namespace: str, service: str, port: int, local_port: int = 0
) -> Iterator[LocalForward]:
    target = service_pod_port(kube, namespace, service, port)
    forward = LocalForward(pod_opener(kube, target), local_port)
    try:
        yield forward
    finally:
        forward.close()
