"""The Fargate sidecar live: the real log wrapper around an app writing interleaved
stdout/stderr JSON lines at 5,000 lines/s for 12 s into chunk files, read by the real collector
(`make otelcol`) with the sidecar's own config and env from the eks stack's sample-back pod,
exported by its gateway exporter to a loopback OTLP/gRPC sink. The sink is down for 20 s and the
collector is restarted once while lines keep coming: when the sink is back, every line has
arrived exactly once, with severity, trace id and service.name. Within one export the lines of
a stream keep their order (the gateway's queue has 4 consumers, so batches may overtake each
other; the backends order by time).

Only what cannot run here is changed: the gateway's address (the sink), free loopback ports,
and the pod's volumes as temporary folders.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from components.platforms.eks.fargate_sidecar import APP_LOG_DIR, wrapper_script
from tests.agent.collector_pods import collector_pods
from tests.agent.collector_run import Collector, free_port
from tests.agent.otelcol import buildable_args, collector, mount_volumes
from tests.agent.otlp_grpc_sink import GrpcLogSink
from tests.agent.stacks import evaluation
from tests.helpers import quiet_for, wait_for

pytestmark = [pytest.mark.live, pytest.mark.slow]

LINES_PER_SECOND_PER_STREAM = 2500
SECONDS = 12
OUTAGE_SECONDS = 20
DEADLINE_SECONDS = 55
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"

JSON_APP = textwrap.dedent(
    f"""
    import json, sys, time
    rate, seconds = int(sys.argv[1]), float(sys.argv[2])
    start, sent, total = time.monotonic(), 0, int(rate * seconds)
    while sent < total:
        elapsed = time.monotonic() - start
        while sent < min(total, int(elapsed * rate)):
            for out, level in ((sys.stdout, "info"), (sys.stderr, "error")):
                out.write(json.dumps({{"level": level, "seq": sent,
                    "trace_id": "{TRACE_ID}", "span_id": "{SPAN_ID}"}}) + "\\n")
                out.flush()
            sent += 1
        time.sleep(0.001)
    """
)


def _sidecar_and_app():
    """The sample-back pod's sidecar (config, env) and its app container's env."""
    result = evaluation("eks-fargate-back")
    (pod,) = [p for p in collector_pods(result) if p.workload == "sample-back"]
    (deployment,) = [
        r.inputs
        for r in result.of_type("kubernetes:apps/v1:Deployment")
        if r.inputs["metadata"]["name"] == "sample-back"
    ]
    (app,) = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "app"]
    return pod, {e["name"]: e["value"] for e in app["env"] if "value" in e}


def _config(pod, sink_port: int, root: Path) -> str:
    config = yaml.safe_load(pod.config)
    config["exporters"]["otlp_grpc/gateway"]["endpoint"] = f"127.0.0.1:{sink_port}"
    for protocol in config["receivers"]["otlp"]["protocols"].values():
        protocol["endpoint"] = f"127.0.0.1:{free_port()}"
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"]["port"] = free_port()
    return mount_volumes(yaml.safe_dump(config, sort_keys=False), pod.container, root)


@pytest.fixture
def sidecar():
    binary = collector()
    pod, app_env = _sidecar_and_app()
    sink = GrpcLogSink(free_port())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "relay.yaml").write_text(_config(pod, sink.port, root / "pod"))
        env = {**pod.env, "MY_POD_IP": "127.0.0.1"}
        log = root / "collector.log"
        agent = Collector(binary, root / "relay.yaml", env, log, buildable_args(pod.args))
        try:
            yield agent, sink, app_env, root
        finally:
            agent.stop()
            sink.stop()


def _run_app(app_env: dict[str, str], root: Path) -> subprocess.Popen:
    (root / "wrapper.sh").write_text(wrapper_script())
    (root / "app.py").write_text(JSON_APP)
    env = {**app_env, "PATH": "/usr/bin:/bin", "APP_LOG_DIR": str(root / "pod" / APP_LOG_DIR[1:])}
    args = [str(LINES_PER_SECOND_PER_STREAM), str(SECONDS)]
    return subprocess.Popen(
        ["bash", str(root / "wrapper.sh"), sys.executable, str(root / "app.py"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_every_line_arrives_once_through_an_outage_and_a_restart(sidecar):
    agent, sink, app_env, root = sidecar
    started = time.monotonic()
    sink.start()
    agent.start()
    app = _run_app(app_env, root)
    time.sleep(2)
    sink.stop()  # the cluster agent is unreachable ...
    time.sleep(4)
    agent.stop()  # ... and the sidecar restarts while the app keeps writing
    agent.start()
    time.sleep(max(0.0, started + 2 + OUTAGE_SECONDS - time.monotonic()))
    sink.start()
    assert app.wait(timeout=DEADLINE_SECONDS) == 0
    expected = 2 * LINES_PER_SECOND_PER_STREAM * SECONDS
    left = started + DEADLINE_SECONDS - time.monotonic()
    wait_for(lambda: len(sink.records()) >= expected, left, every=0.2, fail=False)
    quiet_for(1, lambda: len(sink.records()))  # a duplicate would arrive now

    by_stream: dict[str, list[int]] = {"stdout": [], "stderr": []}
    largest = {"stdout": 0, "stderr": 0}  # records of the largest export, per stream
    for request in sink.requests:
        in_request: dict[str, list[int]] = {"stdout": [], "stderr": []}
        for rl in request.resource_logs:
            resource = {kv.key: kv.value.string_value for kv in rl.resource.attributes}
            assert resource["service.name"] == "sample-back"
            for sl in rl.scope_logs:
                for record in sl.log_records:
                    attrs = {kv.key: kv.value for kv in record.attributes}
                    stream = attrs["log.iostream"].string_value
                    seq = int(attrs["seq"].double_value)
                    assert record.severity_text == ("info" if stream == "stdout" else "error")
                    assert record.trace_id.hex() == TRACE_ID
                    in_request[stream].append(seq)
        for stream, seqs in in_request.items():
            assert seqs == sorted(seqs), f"{stream} out of order within one export"
            by_stream[stream] += seqs
            largest[stream] = max(largest[stream], len(seqs))
    sent = int(LINES_PER_SECOND_PER_STREAM * SECONDS)
    for stream, seqs in by_stream.items():
        # At least once: an export the sink took as it stopped, before its answer went out, is
        # sent again from the queue (docs/reliability.md); anything beyond one export is a bug.
        one_export = max(largest[stream], 1)
        twice = len(seqs) - len(set(seqs))
        assert twice <= one_export, f"{stream}: {twice} duplicates, more than one export"
        missing = sorted(set(range(sent)) - set(seqs))
        assert not missing, f"{stream}: {len(missing)} lines lost, first {missing[:5]}"
    print(f"all {expected} lines in {time.monotonic() - started:.0f} s")
