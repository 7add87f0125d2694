"""A full persistent sending queue, live: the real collector (`make otelcol`) on the node agent's
container-log pipeline (file_log, file_storage, the Loki exporter with the kit's queue and
retries), its backend down while a container writes three queues' worth of logs.

The queue fills to its byte bound and stops there, and the state directory stays within
QUEUE_DISK_FACTOR x the queue's bytes, also while the agent restarts with the queue full
(file_storage compacts at start). What the full queue refuses is counted in
otelcol_exporter_enqueue_failed_log_records, which the OtelAgentQueueFull alert reads, each time
it is refused: file_log retries it (its retry_on_failure) and drops it when it gives up or stops.
When the backend returns, every line has arrived, once, or been counted. The queue is scaled
down to QUEUE_BYTES_HERE so the test takes seconds; sizer, storage, retries and compaction are
the kit's. Prints the measured disk factors (docs/reliability.md cites them).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from agent.exporters import QUEUE_BYTES, QUEUE_DISK_FACTOR
from agent.quantities import MIB
from tests.agent.collector_run import (
    Collector,
    app_line,
    cri,
    free_port,
    logs_only_config,
    node_agent_gates,
    write,
)
from tests.agent.otelcol import collector
from tests.helpers import quiet_for, wait_for
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = [pytest.mark.live, pytest.mark.slow]

QUEUE_BYTES_HERE = 4 * MIB
LINES = 60_000  # about 10 MB of CRI lines: three times the queue
CHECKPOINTS = 1 * MIB  # file_log's offsets database beside the queue
LOG = "var/log/pods/shop_app-0_00000000-0000-4000-8000-000000000000/app/0.log"


class PeakSize(threading.Thread):
    """The largest total size of the files under `folder`, sampled every 20 ms."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder, self.peak, self.done = folder, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            try:
                size = sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())
            except FileNotFoundError:  # compaction renames files under us
                continue
            self.peak = max(self.peak, size)

    def __enter__(self) -> PeakSize:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join()


def loki_metric(metrics_url: str, name: str) -> float:
    """One of the collector's own metrics for the Loki exporter (0 when not yet reported)."""
    text = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    found = re.search(rf"^{name}\{{[^}}]*otlp_http/loki[^}}]*\}} (\S+)$", text, re.M)
    return float(found[1]) if found else 0.0


def queue_fill(metrics_url: str) -> float:
    """otelcol_exporter_queue_size / _capacity of the Loki exporter."""
    size = loki_metric(metrics_url, "otelcol_exporter_queue_size")
    return size / loki_metric(metrics_url, "otelcol_exporter_queue_capacity")


DROPPED = "otelcol_exporter_enqueue_failed_log_records"


def test_a_full_queue_stays_within_its_disk_bound_and_counts_what_it_drops():
    binary = collector()
    port = free_port()  # the backend: nothing listens there until the end
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text, env = logs_only_config(f"http://127.0.0.1:{port}", root / "pod")
        config = yaml.safe_load(text)
        queue = config["exporters"]["otlp_http/loki"]["sending_queue"]
        assert queue["sizer"] == "bytes" and queue["queue_size"] == QUEUE_BYTES
        queue["queue_size"] = QUEUE_BYTES_HERE
        state = Path(config["extensions"]["file_storage"]["directory"])
        telemetry = config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]
        metrics_url = f"http://127.0.0.1:{telemetry['prometheus']['port']}/metrics"
        (root / "relay.yaml").write_text(yaml.safe_dump(config))
        agent = Collector(
            binary, root / "relay.yaml", env, root / "collector.log", node_agent_gates()
        )
        try:
            with PeakSize(state) as filling:
                agent.start()
                time.sleep(1)  # past the first poll: start_at end applies only to files seen then
                for start in range(0, LINES, 5_000):
                    lines = [
                        cri("stdout", app_line("app-0", i)) for i in range(start, start + 5_000)
                    ]
                    write(root / "pod" / LOG, lines)
                    time.sleep(0.2)
                wait_for(lambda: queue_fill(metrics_url) >= 0.95, 30, every=0.5, fail=False)
                fill = queue_fill(metrics_url)
                time.sleep(2)  # would it grow further?
            dropped = loki_metric(metrics_url, DROPPED)
            agent.stop()
            with PeakSize(state) as restarting:
                agent.start()
                time.sleep(5)  # compaction at start, then the queue resumes (still down)
            dropped += loki_metric(metrics_url, DROPPED)
            with OtlpReceiver(port) as backend:
                # the next retry is at most 60 s away
                wait_for(lambda: len(backend.logs()) >= LINES - dropped, 120, fail=False)
                quiet_for(1, lambda: len(backend.logs()))  # a duplicate would arrive now
                seqs = sorted(int(r.attributes["seq"]) for r in backend.logs())
        finally:
            agent.stop()

        print(
            f"queue {QUEUE_BYTES_HERE // MIB} MiB: {fill:.0%} full; state directory peaked at "
            f"{filling.peak / QUEUE_BYTES_HERE:.2f}x filling, "
            f"{restarting.peak / QUEUE_BYTES_HERE:.2f}x restarting"
        )
        assert fill >= 0.95, f"the queue never filled ({fill:.0%}): the test proves nothing"
        bound = QUEUE_DISK_FACTOR * QUEUE_BYTES_HERE + CHECKPOINTS
        assert filling.peak <= bound, f"{filling.peak / MIB:.1f} MiB while filling"
        assert restarting.peak <= bound, f"{restarting.peak / MIB:.1f} MiB while restarting"
        assert len(seqs) == len(set(seqs)), "duplicates"
        assert dropped > 0, "nothing refused: the queue was not full"
        # a refused line may be counted more than once, then arrive on a later retry
        missing = LINES - len(seqs)
        assert missing <= dropped, f"{missing} lost, {dropped:.0f} counted"
