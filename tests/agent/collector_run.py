"""The real collector (`make otelcol`) run on loopback as a pod's container, for the live
tests: the process, free ports, the node agent's log pipeline alone, and CRI log lines."""

from __future__ import annotations

import copy
import json
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import yaml

from agent import ModePatch, node_agent_config, node_agent_manifests
from agent.node_agent import DEFAULT_NODE_RESOURCES
from tests.agent.otelcol import buildable_args, collector, mount_volumes, resolve_env
from tests.agent.stacks import NAMESPACE, backends_for
from tests.helpers import wait_for

WAIT_SECONDS = 20
TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_agent_gates() -> list[str]:
    """The node agent container's arguments but the config file: its feature gates."""
    (daemon_set,) = [
        o
        for o in node_agent_manifests(NAMESPACE, backends_for("local"), ModePatch())
        if o["kind"] == "DaemonSet"
    ]
    container = daemon_set["spec"]["template"]["spec"]["containers"][0]
    return buildable_args(container["args"])


def logs_only_config(sink_url: str, root: Path) -> tuple[str, dict[str, str]]:
    """The node agent's config reduced to its container-log pipeline, and the pod's env (run it
    with node_agent_gates())."""
    cloud, patch = "local", ModePatch()
    # A copy: the built config holds the presets' constants, which the ports below must not move
    # for the other tests in this process.
    config = copy.deepcopy(
        node_agent_config(NAMESPACE, backends_for(cloud), patch, DEFAULT_NODE_RESOURCES)
    )
    (daemon_set,) = [
        o
        for o in node_agent_manifests(NAMESPACE, backends_for(cloud), patch)
        if o["kind"] == "DaemonSet"
    ]
    container = daemon_set["spec"]["template"]["spec"]["containers"][0]
    loki = config["exporters"]["otlp_http/loki"]
    config["receivers"] = {"file_log": config["receivers"]["file_log"]}
    # The node agent's own log processors, minus k8s_attributes (no API server here).
    processors = [
        p for p in config["service"]["pipelines"]["logs"]["processors"] if p != "k8s_attributes"
    ]
    config["processors"] = {k: config["processors"][k] for k in processors}
    config["exporters"] = {"otlp_http/loki": {**loki, "endpoint": sink_url}}
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    config["service"]["pipelines"] = {
        "logs": {
            "receivers": ["file_log"],
            "processors": processors,
            "exporters": ["otlp_http/loki"],
        }
    }
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"]["port"] = free_port()
    env = resolve_env(container, NAMESPACE, "otel-node-agent-x2x4q", {}, {})
    env["MY_POD_IP"] = "127.0.0.1"
    return mount_volumes(yaml.safe_dump(config, sort_keys=False), container, root), env


def node_agent_logs(sink_url: str, root: Path) -> Collector:
    """The built collector on logs_only_config with the node agent's feature gates; the pods'
    log folders are under root/pod/var/log/pods."""
    text, env = logs_only_config(sink_url, root / "pod")
    (root / "relay.yaml").write_text(text)
    log = root / "collector.log"
    return Collector(collector(), root / "relay.yaml", env, log, node_agent_gates())


class Collector:
    """The binary on a config file, started and stopped like a pod's container."""

    def __init__(
        self, binary: Path, config: Path, env: dict[str, str], log: Path, args: Sequence[str] = ()
    ) -> None:
        self.command = [str(binary), f"--config={config}", *args]
        self.env = {"PATH": "/usr/bin:/bin", **env}
        self.log = log
        self.health = yaml.safe_load(config.read_text())["extensions"]["health_check"]["endpoint"]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it and wait until health_check answers 200: every pipeline runs, so the
        receivers listen (the extension's port opens before them, sooner on a busy machine)."""
        with self.log.open("a") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=out)
        wait_for(self._healthy, WAIT_SECONDS, lambda: f"health_check:\n{self.log.read_text()}")

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            with urllib.request.urlopen(f"http://{self.health}/", timeout=1) as answer:
                return answer.status == 200
        except OSError:  # not listening yet, or 503 (an HTTPError) until pipelines run
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=WAIT_SECONDS)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer does: no shutdown, no flush."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT_SECONDS)


def cri(stream: str, text: str, partial: bool = False) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    return f"{stamp} {stream} {'P' if partial else 'F'} {text}\n"


def app_line(pod: str, seq: int) -> str:
    fields = {"level": "info", "msg": f"{pod} {seq}", "seq": seq}
    return json.dumps({**fields, "trace_id": TRACE_ID, "span_id": SPAN_ID})


def write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.writelines(lines)
