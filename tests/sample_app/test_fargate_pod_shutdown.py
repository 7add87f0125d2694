"""A Fargate pod's shutdown, played in the kubelet's order with real processes on loopback.

The pod spec is the kit's own (a Fargate tier with the collector sidecar). On termination the
kubelet runs every container's preStop hook in parallel, sends each container SIGTERM when its
hook ends, and kills what is left at terminationGracePeriodSeconds. Here the app container is
the real log wrapper around the real app, with a slow request in flight, and the collector
sidecar is stood in for by the test OTLP receiver (traces, metrics) and a chunk-file follower
(logs): both stop taking data at the sidecar's SIGTERM. The app's last spans and its last log
line must be in before that.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from agent.k8s import CONTAINER_NAME
from components.platforms.eks.fargate_sidecar import (
    APP_LOG_DIR,
    WRAPPER_KEY,
    fargate_pod,
    wrapper_script,
)
from components.sample_app import SampleAppArgs, tier_deployment
from tests.agent.bench_log_wrapper import ChunkFollower
from tests.sample_app.app_processes import (
    APP_DIR,
    Tier,
    app_python,
    base_env,
    get,
    wait_listening,
    wait_ready,
)
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = [pytest.mark.live, pytest.mark.slow]

IN_FLIGHT_MS = 7000  # longer than the app's preStop: the request is still running at SIGTERM


def _fargate_pod() -> dict:
    args = SampleAppArgs(
        namespace="o11y-app",
        python_image="python:3.13-slim",
        node_otlp_endpoint="http://unused:4318",
        agent_namespace="o11y-agent",
        fargate_tiers=("back",),
        fargate_pod=fargate_pod,
    )
    return tier_deployment(args, "back")["spec"]["template"]["spec"]


def _pre_stop(container: dict) -> int:
    return container["lifecycle"]["preStop"]["sleep"]["seconds"]


def _start_wrapped_app(app: dict, receiver: OtlpReceiver, tmp_path) -> tuple[Tier, object]:
    """The app container's command as the pod runs it: bash, the wrapper, the app."""
    (wrapper_path,) = [part for part in app["command"] if part.endswith(WRAPPER_KEY)]
    wrapper = tmp_path / WRAPPER_KEY
    wrapper.write_text(wrapper_script())
    logs = tmp_path / "logs"
    logs.mkdir()
    from_spec = {e["name"]: e["value"] for e in app["env"] if "value" in e}
    chunk_settings = {k: v for k, v in from_spec.items() if k.startswith("APP_LOG_")}
    assert chunk_settings["APP_LOG_DIR"] == APP_LOG_DIR
    env = base_env(
        receiver.endpoint,
        **{**chunk_settings, "APP_LOG_DIR": str(logs)},
        OTEL_BSP_SCHEDULE_DELAY="600000",  # only the shutdown flush delivers
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        FAULT_EXTRA_LATENCY_MS=str(IN_FLIGHT_MS),
        TIER="back",
        DOWNSTREAM_URL="",
        PORT="0",  # the app binds a free port and logs it (through the wrapper's chunks)
    )
    command = app["command"][: app["command"].index(wrapper_path)]
    process = subprocess.Popen(
        [*command, str(wrapper), str(app_python()), str(APP_DIR / "app.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tier = Tier("back", 0, process, tmp_path / "unused.log")
    tier.port = wait_listening(tier, lambda: ChunkFollower.read_all(logs, "stdout"))
    wait_ready(tier)
    return tier, logs


def test_collector_sidecar_outlives_the_apps_drain_and_flush(tmp_path):
    pod = _fargate_pod()
    app = next(c for c in pod["containers"] if c["name"] == "app")
    sidecar = next(c for c in pod["containers"] if c["name"] == CONTAINER_NAME)
    assert not [c for c in pod.get("initContainers", []) if c.get("restartPolicy") == "Always"]
    app_sigterm_at, collector_sigterm_at = _pre_stop(app), _pre_stop(sidecar)
    killed_at = pod["terminationGracePeriodSeconds"]

    with OtlpReceiver() as receiver:
        tier, logs = _start_wrapped_app(app, receiver, tmp_path)
        follower = ChunkFollower(logs)
        answers = []
        request = threading.Thread(target=lambda: answers.append(get(tier.url)[0]), daemon=True)
        request.start()
        time.sleep(0.3)  # the request is in flight when the pod is deleted
        deleted = time.monotonic()

        def until(seconds: float) -> float:
            return max(0.0, deleted + seconds - time.monotonic())

        while time.monotonic() < deleted + app_sigterm_at:
            follower.poll()
            time.sleep(0.05)
        tier.process.send_signal(signal.SIGTERM)
        # Nothing but the collector's own stop is left once the app has exited, so the test
        # need not sit out the rest of the sidecar's preStop.
        with contextlib.suppress(subprocess.TimeoutExpired):
            tier.process.wait(timeout=until(min(collector_sigterm_at, killed_at)))
        follower.poll()
        spans = receiver.spans()  # the collector's SIGTERM: it takes nothing more
        log_lines = follower.lines("stdout")
    try:
        tier.process.wait(timeout=until(killed_at))
    except subprocess.TimeoutExpired:
        tier.process.kill()
        tier.process.wait()
    request.join(timeout=1)

    assert answers == [200], "the in-flight request was not drained"
    servers = [s for s in spans if s.span.kind == Span.SPAN_KIND_SERVER]
    assert servers, (
        f"the app's final flush missed the collector, which got SIGTERM {collector_sigterm_at} s "
        f"after deletion while the app still drained a {IN_FLIGHT_MS} ms request"
    )
    assert any("stopped, telemetry flushed" in line for line in log_lines), log_lines[-3:]
    assert tier.process.returncode == 0
