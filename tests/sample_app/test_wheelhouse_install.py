"""The wheelhouse's and the tiers' own commands, as the component renders them, on loopback: the
wheelhouse downloads the locked wheels (from PyPI, or PIP_INDEX_URL where that is set) and serves
them with http.server; a tier's init container, started before the wheelhouse answers, waits,
then installs every locked package from it alone, and refuses a wheel that is not the locked
one."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from components import sample_app_wheelhouse as wheelhouse
from components.names import WHEELHOUSE
from components.sample_app import SampleAppArgs, sample_app_objects
from tests.sample_app.app_processes import APP_DIR, app_python

pytestmark = pytest.mark.live

ARGS = SampleAppArgs(
    namespace="o11y-app",
    python_image="python:3.11.16-slim-bookworm@sha256:" + "0" * 64,
    node_otlp_endpoint="http://otel-node-agent.o11y-node.svc.cluster.local:4318",
    agent_namespace="o11y-agent",
)
PINNED = re.compile(r"^([A-Za-z0-9._-]+)==", re.M)


def _pods() -> dict[str, dict]:
    return {
        o["metadata"]["name"]: o["spec"]["template"]["spec"]
        for o in sample_app_objects(ARGS)
        if o["kind"] == "Deployment"
    }


def _on_this_machine(command: list[str], places: dict[str, str]) -> list[str]:
    """`command` with the pod's interpreter, mount paths and addresses replaced by local ones."""
    local = []
    for arg in command:
        arg = str(app_python()) if arg == "python" else arg
        for pod_path, here in places.items():
            if arg == pod_path or arg.startswith(f"{pod_path}/"):
                arg = here + arg[len(pod_path) :]
        local.append(arg)
    return local


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _without_pip_settings() -> dict[str, str]:
    """The environment minus PIP_* (a find-links or index of the machine's own would let the
    install succeed without the wheelhouse)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}


def _serve(wheels: Path, port: int) -> subprocess.Popen:
    (serve,) = _pods()[WHEELHOUSE]["containers"]
    places = {wheelhouse.WHEELS: str(wheels), str(wheelhouse.PORT): str(port)}
    command = _on_this_machine(serve["command"], places)
    command[command.index("0.0.0.0")] = "127.0.0.1"
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _install(deps: Path, port: int) -> subprocess.Popen:
    (init,) = _pods()["sample-front"]["initContainers"]
    places = {
        "/app": str(APP_DIR),
        "/deps": str(deps),
        wheelhouse.URL.rstrip("/"): f"http://127.0.0.1:{port}",
    }
    return subprocess.Popen(
        _on_this_machine(init["command"], places),
        env=_without_pip_settings(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """What the wheelhouse's init container downloads, by its own command."""
    (download,) = _pods()[WHEELHOUSE]["initContainers"]
    folder = tmp_path_factory.mktemp("wheels")
    places = {"/app": str(APP_DIR), wheelhouse.WHEELS: str(folder)}
    subprocess.run(_on_this_machine(download["command"], places), check=True, timeout=240)
    return folder


@pytest.mark.slow
def test_a_tier_started_first_waits_then_installs_every_locked_package(wheels, tmp_path):
    port = _free_port()
    install = _install(tmp_path / "deps", port)
    first_line = install.stdout.readline()
    assert "waiting up to" in first_line and f"127.0.0.1:{port}" in first_line
    assert install.poll() is None  # still waiting: nothing serves yet
    server = _serve(wheels, port)
    try:
        output, _ = install.communicate(timeout=240)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert install.returncode == 0, output
    installed = {_name(p.name.split("-")[0]) for p in (tmp_path / "deps").glob("*.dist-info")}
    locked = {_name(n) for n in PINNED.findall((APP_DIR / "requirements.txt").read_text())}
    assert installed == locked


@pytest.mark.slow
def test_a_wheel_that_is_not_the_locked_one_is_refused(wheels, tmp_path):
    tampered = tmp_path / "wheels"
    shutil.copytree(wheels, tampered)
    victim = sorted(tampered.glob("idna-*.whl"))[0]
    victim.write_bytes(victim.read_bytes() + b"\0")
    port = _free_port()
    server = _serve(tampered, port)
    try:
        install = _install(tmp_path / "deps", port)
        output, _ = install.communicate(timeout=240)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert install.returncode != 0
    assert "DO NOT MATCH THE HASHES" in output and "idna" in output, output


def test_a_tier_gives_up_on_a_wheelhouse_that_never_answers(tmp_path):
    port = _free_port()
    script = APP_DIR / Path(wheelhouse.WAIT_SCRIPT).name
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, str(script), url, "1", "--", sys.executable, "-c", "exit(0)"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"gave up: {url} did not answer within 1 s" in done.stderr


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()
