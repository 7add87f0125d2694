"""Stand-ins the kit CLI tests talk to over real HTTP: a replay server (Tempo, Loki and the
Kubernetes API answered from JSON fixtures), a real Prometheus process, and a minimal remote-write
client (protobuf and snappy written by hand: the format is small and stable)."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import struct
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import werkzeug
import yaml
from pytest_httpserver import HTTPServer

from tests.helpers import wait_for

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[3]
Responder = Callable[["Request"], tuple[int, object]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object  # parsed JSON, or None


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class ReplayServer:
    """Answers requests with `respond(request) -> (status, json body)`; records every one."""

    def __init__(self, respond: Responder):
        self.requests: list[Request] = []

        def answer(http: werkzeug.Request) -> werkzeug.Response:
            raw = http.get_data()
            request = Request(
                http.method,
                http.path,
                dict(http.args.items()),
                {k.lower(): v for k, v in http.headers.items()},
                json.loads(raw) if raw else None,
            )
            self.requests.append(request)
            status, body = respond(request)
            return werkzeug.Response(json.dumps(body), status, mimetype="application/json")

        self._server = HTTPServer("127.0.0.1", threaded=True)
        self._server.expect_request(re.compile(".*")).respond_with_handler(answer)
        self._server.start()
        self.url = f"http://127.0.0.1:{self._server.port}"

    def close(self) -> None:
        self._server.clear()
        self._server.stop()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def not_found(path: str) -> tuple[int, dict]:
    return 404, {
        "kind": "Status",
        "apiVersion": "v1",
        "code": 404,
        "reason": "NotFound",
        "message": path,
        "status": "Failure",
        "metadata": {},
    }


def routes(table: dict) -> Responder:
    """A responder from {path or (method, path): body}; GET is the default method."""

    def respond(request: Request) -> tuple[int, object]:
        for key in ((request.method, request.path), request.path):
            if key in table and (isinstance(key, tuple) or request.method == "GET"):
                return 200, table[key]
        return not_found(request.path)

    return respond


_HELD: list[socket.socket] = []  # bound, never listening: closed ports nobody else can take


def closed_port() -> int:
    """A loopback port that refuses connections for the rest of the session: the socket stays
    bound (so no other process can start listening there) but never listens."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    _HELD.append(held)
    return held.getsockname()[1]


def closed_port_kubeconfig(directory: Path) -> Path:
    """A kubeconfig whose API server is a port nothing listens on."""
    return write_kubeconfig(directory, f"http://127.0.0.1:{closed_port()}")


def write_kubeconfig(directory: Path, server: str) -> Path:
    path = directory / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "test", "cluster": {"server": server}}],
                "users": [{"name": "test", "user": {"token": "test-token"}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
                "current-context": "test",
            }
        )
    )
    return path


# --- Prometheus ----------------------------------------------------------------------------------


@contextlib.contextmanager
def prometheus(directory: Path, rule_groups: list[dict]) -> Iterator[str]:
    """The real Prometheus binary with the kit's rule groups and the remote-write receiver on."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus is not installed (apt-get install prometheus)")
    (directory / "rules.yml").write_text(yaml.safe_dump({"groups": rule_groups}))
    (directory / "prometheus.yml").write_text(
        yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": ["rules.yml"]})
    )
    log_path = directory / "prometheus.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={directory / 'data'}",
            "--web.listen-address=127.0.0.1:0",  # it binds a free port and logs which
            "--web.enable-remote-write-receiver",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{_listening_port(process, log_path)}"
        wait_ready(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# exporter-toolkit's line once the listener is bound: msg="Listening on" address=127.0.0.1:40017
# (whole lines only: the log may be read mid-write)
LISTENING = re.compile(r'msg="Listening on" address=\S+:(\d+)\s')


def _listening_port(process: subprocess.Popen, log: Path) -> int:
    def port() -> int | None:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {log.read_text()[-2000:]}")
        found = LISTENING.search(log.read_text())
        return int(found.group(1)) if found else None

    return wait_for(port, 30, lambda: f"prometheus's listening address: {log.read_text()[-2000:]}")


def wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_for(ready, 30, "prometheus's /-/ready")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def write_request(series: list[tuple[dict[str, str], float, int]]) -> bytes:
    """prometheus.WriteRequest: timeseries=1 {labels=1 {name=1, value=2}, samples=2
    {value=1 double, timestamp=2 int64}}; labels sorted by name, as the receiver expects."""
    body = b""
    for labels, value, timestamp_ms in series:
        ts = b"".join(
            _field(1, _field(1, k.encode()) + _field(2, v.encode()))
            for k, v in sorted(labels.items())
        )
        sample = b"\x09" + struct.pack("<d", value) + b"\x10" + _varint(timestamp_ms)
        ts += _field(2, sample)
        body += _field(1, ts)
    return body


def snappy_block(data: bytes) -> bytes:
    """Snappy block format made only of literals: valid input for any snappy decoder."""
    out = bytearray(_varint(len(data)))
    for start in range(0, len(data), 65536):
        chunk = data[start : start + 65536]
        out.append(61 << 2)  # literal, length-1 in the next two bytes (little endian)
        out += struct.pack("<H", len(chunk) - 1)
        out += chunk
    return bytes(out)


def remote_write(url: str, series: list[tuple[dict[str, str], float, int]]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v1/write",
        data=snappy_block(write_request(series)),
        headers={
            "Content-Encoding": "snappy",
            "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 204), answer.status
