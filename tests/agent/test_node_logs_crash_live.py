"""The node agent killed mid-stream (SIGKILL, as an OOM kill or a node crash) while it tails a
container log: the real collector (`make otelcol`) on the node agent's own file_log receiver,
file_storage and Loki exporter (persistent queue, batching in it), to a loopback OTLP sink.

file_log moves its checkpoint once the exporter has taken a record; the exporter takes it by
writing it to its queue on disk, so the restarted agent sends what the killed one held. A batch
processor in front of the exporter would take records into memory instead, and lose them.
Bounded: under a minute.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pytest

from agent.exporters import QUEUE_BATCH
from tests.agent.collector_run import app_line, cri, node_agent_logs, write
from tests.helpers import quiet_for, wait_for
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = [pytest.mark.live, pytest.mark.slow]

LINES = 2000
LINES_PER_SECOND = 400
KILL_AFTER_SECONDS = 1.5  # well inside the batch's flush_timeout: the batch is not sent yet
DOWN_SECONDS = 1.0
WAIT_SECONDS = 30
POLL_SECONDS = 0.2  # file_log's poll_interval (default): lines read since the last checkpoint


def write_steadily(log: Path, first: int, count: int) -> None:
    """`count` lines at LINES_PER_SECOND, in small writes, as a busy container logs."""
    step = LINES_PER_SECOND // 20
    for start in range(first, first + count, step):
        write(log, [cri("stdout", app_line("front", i)) for i in range(start, start + step)])
        time.sleep(step / LINES_PER_SECOND)


def test_a_killed_node_agent_loses_no_line_and_repeats_at_most_its_last_poll():
    with OtlpReceiver() as sink, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        agent = node_agent_logs(sink.endpoint, root)
        pods = root / "pod/var/log/pods"
        log = pods / "shop_sample-front-7d9f8-aaaaa_11111111-1111-1111-1111-111111111111/app/0.log"
        try:
            agent.start()
            time.sleep(1)  # past the first poll: start_at end applies only to files seen then
            writer = threading.Thread(target=write_steadily, args=(log, 0, LINES))
            writer.start()
            time.sleep(KILL_AFTER_SECONDS)
            before_kill = len(sink.logs())
            agent.kill()
            written_at_kill = sum(1 for _ in log.open())
            time.sleep(DOWN_SECONDS)
            agent.start()
            writer.join()
            wait_for(lambda: len(sink.logs()) >= LINES, WAIT_SECONDS, fail=False)
            # a duplicate would come with the next flush of the queue's batch
            quiet_for(float(QUEUE_BATCH["flush_timeout"].rstrip("s")) + 1, lambda: len(sink.logs()))
        finally:
            agent.stop()
        seqs = [int(r.attributes["seq"]) for r in sink.logs()]

    missing = sorted(set(range(LINES)) - set(seqs))
    repeated = len(seqs) - len(set(seqs))
    print(
        f"\n{LINES} lines at {LINES_PER_SECOND}/s, SIGKILL after {written_at_kill} written "
        f"({before_kill} delivered by then), down {DOWN_SECONDS} s: {len(seqs)} delivered, "
        f"{len(missing)} lost, {repeated} twice"
    )
    assert written_at_kill > before_kill, "nothing was held when the agent was killed"
    assert not missing, f"{len(missing)} lines lost, first {missing[:10]}"
    # What was read since the last checkpoint is read again: one poll's worth of lines.
    assert repeated <= POLL_SECONDS * LINES_PER_SECOND, f"{repeated} lines arrived twice"
