"""The node agent's container-log path, live: the real collector (`make otelcol`) on the node
agent's own file_log receiver and file_storage, reading a /var/log/pods tree of CRI files,
exporting through its Loki exporter (queue and retries as configured) to a loopback OTLP sink.

Only what cannot run here is changed: the tree lives in a temporary folder (its mountPath in the
config points there, as the pod's volume would), k8s_attributes is left out (no API server), the
other pipelines are dropped, and ports are free ones on 127.0.0.1. Bounded: under a minute.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from tests.agent.collector_run import TRACE_ID, app_line, cri, node_agent_logs, write
from tests.agent.stacks import NAMESPACE
from tests.helpers import quiet_for, wait_for
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = [pytest.mark.live, pytest.mark.slow]

WAIT_SECONDS = 20


def arrived(sink: OtlpReceiver, count: int) -> list:
    """The records once `count` arrived, or after WAIT_SECONDS (then the asserts say what)."""
    wait_for(lambda: len(sink.logs()) >= count, WAIT_SECONDS, fail=False)
    return sink.logs()


@pytest.fixture
def running():
    with OtlpReceiver() as sink, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        agent = node_agent_logs(sink.endpoint, root)
        try:
            yield agent, sink, root / "pod/var/log/pods"
        finally:
            agent.stop()


def test_container_logs_arrive_once_in_order_with_their_pod_through_rotation_and_restart(running):
    agent, sink, pods = running
    agent.start()
    time.sleep(1)  # past the first poll: start_at end applies only to files seen then
    front = pods / "shop_sample-front-7d9f8-aaaaa_11111111-1111-1111-1111-111111111111/app/0.log"
    back = pods / "shop_sample-back-7d9f8-bbbbb_22222222-2222-2222-2222-222222222222/app/0.log"
    own = pods / f"{NAMESPACE}_otel-node-agent-x2x4q_33333333-3333-3333-3333-333333333333"
    write(own / "otel-collector/0.log", [cri("stderr", "agent's own line") for _ in range(20)])
    write(front, [cri("stdout", app_line("front", i)) for i in range(200)])
    write(back, [cri("stdout", app_line("back", i)) for i in range(100)])
    arrived(sink, 300)
    # the kubelet's rotation while lines are still unread: the file is renamed (the include
    # pattern no longer matches it) and a new 0.log starts; the agent finishes the old one
    write(front, [cri("stderr", "first half|", partial=True), cri("stderr", "second half")])
    write(front, [cri("stdout", app_line("front", i)) for i in range(200, 250)])
    front.rename(front.with_name("0.log.20261129-100000"))
    write(front, [cri("stdout", app_line("front", i)) for i in range(250, 300)])
    arrived(sink, 401)
    # restart mid-file: lines written while the agent is down are read once it is back
    agent.stop()
    write(back, [cri("stdout", app_line("back", i)) for i in range(100, 200)])
    agent.start()
    write(back, [cri("stdout", app_line("back", i)) for i in range(200, 300)])
    records = arrived(sink, 601)
    # a deleted pod's folder goes away; the agent carries on
    for path in sorted(back.parent.parent.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    back.parent.parent.rmdir()
    write(front, [cri("stdout", app_line("front", i)) for i in range(300, 310)])
    records = arrived(sink, 611)
    quiet_for(1, lambda: len(sink.logs()))  # anything extra (a duplicate) would arrive now
    records = sink.logs()

    assert not [r for r in records if "own line" in str(r.body)], "the agent read its own logs"
    by_pod: dict[str, list[int]] = {}
    for r in records:
        if "seq" in r.attributes:  # JSON numbers arrive as doubles
            seq = int(r.attributes["seq"])
            by_pod.setdefault(r.resource["k8s.pod.name"], []).append(seq)
    # once each; across a rotation the renamed and the new file are read in the same poll, so
    # their lines may interleave (each keeps its CRI timestamp, which Loki orders by)
    assert {pod: sorted(seqs) for pod, seqs in by_pod.items()} == {
        "sample-front-7d9f8-aaaaa": list(range(310)),
        "sample-back-7d9f8-bbbbb": list(range(300)),
    }, {pod: len(seqs) for pod, seqs in by_pod.items()}
    assert by_pod["sample-back-7d9f8-bbbbb"] == list(range(300))  # no rotation: in order
    (joined,) = [r for r in records if "second half" in str(r.body)]
    assert joined.body == "first half|second half"
    assert joined.attributes["log.iostream"] == "stderr"
    sample = next(r for r in records if r.attributes.get("msg") == "front 5")
    assert sample.resource["k8s.namespace.name"] == "shop"
    assert sample.resource["k8s.container.name"] == "app"
    assert sample.resource["k8s.pod.uid"] == "11111111-1111-1111-1111-111111111111"
    assert sample.attributes["msg"] == "front 5" and sample.attributes["log.iostream"] == "stdout"
    assert sample.record.severity_text == "info" and sample.record.severity_number == 9  # INFO
    assert sample.record.trace_id.hex() == TRACE_ID
    assert len(records) == 611


def test_a_file_the_kubelet_rotated_while_the_agent_was_down_is_read_to_its_end(running):
    """The agent is down (a rollout) while the kubelet rotates a busy container's log: the lines
    written before the rotation are only in `0.log.<timestamp>` when it comes back. Older
    rotations, compressed (.gz) or being compressed (.tmp), are never read."""
    agent, sink, pods = running
    agent.start()
    time.sleep(1)  # past the first poll: start_at end applies only to files seen then
    log = pods / "shop_sample-front-7d9f8-aaaaa_11111111-1111-1111-1111-111111111111/app/0.log"
    write(log, [cri("stdout", app_line("front", i)) for i in range(100)])
    arrived(sink, 100)
    agent.stop()
    write(log, [cri("stdout", app_line("front", i)) for i in range(100, 200)])
    log.rename(log.with_name("0.log.20261129-110000"))
    write(log, [cri("stdout", app_line("front", i)) for i in range(200, 250)])
    for old in ("0.log.20261129-090000.gz", "0.log.20261129-100000.tmp"):
        write(log.with_name(old), [cri("stdout", app_line("front", -1)) for _ in range(20)])
    agent.start()
    arrived(sink, 250)
    quiet_for(1, lambda: len(sink.logs()))  # an extra (a duplicate, an old rotation) arrives now

    seqs = [int(r.attributes["seq"]) for r in sink.logs()]
    missing = sorted(set(range(250)) - set(seqs))
    assert sorted(seqs) == list(range(250)), f"{len(seqs)} lines, missing {missing}"
    rotated = [r for r in sink.logs() if int(r.attributes["seq"]) in range(100, 200)]
    assert {r.resource["k8s.pod.name"] for r in rotated} == {"sample-front-7d9f8-aaaaa"}
