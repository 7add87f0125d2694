"""Benchmark: the node agent's container-log path with the real collector (`make bench-agent`).

The same reduced config as tests/agent/test_node_logs_live.py (the node agent's file_log
receiver, file_storage and Loki exporter, to a loopback OTLP receiver). For each rate, a fresh
collector reads CRI lines (JSON, like the sample app's) written to 4 pods' files for a fixed time;
it prints the collector's CPU in millicores (all CPU until every line arrived, over the seconds
of load) and its peak resident memory (VmHWM). The node agent's metric and trace pipelines
(kubelet_stats, host_metrics, k8s_attributes) are not part of it: they need a kubelet and an API
server. Figures, not assertions: compare them with the DaemonSet's resources.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from agent import distribution
from tests.agent.test_node_logs_live import Collector, app_line, cri, logs_only_config, write
from tests.sample_app.otlp_receiver import OtlpReceiver

RATES = (100, 1_000, 5_000)  # lines per second, all pods together
SECONDS = 10
PODS = 4
TICK = 0.1
DRAIN_SECONDS = 30


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def run(rate: int, binary: Path) -> tuple[float, float, int]:
    """(millicores, peak RSS MiB, lines received) for one rate."""
    with OtlpReceiver() as sink, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text, env = logs_only_config(sink.endpoint, root / "pod")
        (root / "relay.yaml").write_text(text)
        agent = Collector(binary, root / "relay.yaml", env, root / "collector.log")
        agent.start()
        try:
            time.sleep(1)  # past the first poll
            pods = root / "pod/var/log/pods"
            files = [
                pods / f"shop_app-{i}_{i:08d}-0000-4000-8000-{i:012d}/app/0.log"
                for i in range(PODS)
            ]
            pid = agent.process.pid
            cpu0, start = cpu_seconds(pid), time.monotonic()
            per_tick = rate * TICK / PODS
            sent = 0
            for tick in range(int(SECONDS / TICK)):
                due = start + tick * TICK
                time.sleep(max(0.0, due - time.monotonic()))
                count = int((tick + 1) * per_tick) - int(tick * per_tick)
                for i, path in enumerate(files):
                    lines = [cri("stdout", app_line(f"app-{i}", sent + n)) for n in range(count)]
                    write(path, lines)
                sent += count
            total = sent * PODS
            deadline = time.monotonic() + DRAIN_SECONDS
            while len(sink.logs()) < total and time.monotonic() < deadline:
                time.sleep(0.2)
            # all CPU until the last line arrived, over the seconds of load: errs on the high side
            millicores = (cpu_seconds(pid) - cpu0) / SECONDS * 1000
            return millicores, peak_rss_mib(pid), len(sink.logs())
        finally:
            agent.stop()


def main() -> int:
    binary = distribution.binary()
    if not binary.exists():
        print(f"{binary} not built: run `make otelcol` (needs Go 1.26+)")
        return 1
    print(f"node agent log path, {PODS} pods, {SECONDS} s per rate, {os.cpu_count()} cores")
    print(f"{'lines/s':>8} {'CPU (m)':>8} {'peak RSS (MiB)':>15} {'received':>10}")
    for rate in RATES:
        millicores, rss, received = run(rate, binary)
        print(f"{rate:>8} {millicores:>8.0f} {rss:>15.0f} {received:>10}/{rate * SECONDS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
