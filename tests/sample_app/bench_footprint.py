"""Benchmark: the memory and CPU each sample-app pod needs, to size its requests and limits
(`venv/bin/python -m tests.sample_app.bench_footprint [--rps 2] [--seconds 60]`).

Runs what the pods run, on loopback: the init container's `pip install` of the locked
requirements into an empty folder (the pod's PIP_INSTALL command, from PyPI), then the three tiers
(front -> middle -> back, exporting to a loopback OTLP sink that accepts and drops everything) on
the interpreter built from the lock, and the load generator (sample-app/loadgen.py as its pod
runs it) at `--rps` (the stack's loadRps) for `--seconds`. Prints each process's peak RSS (VmHWM)
and its mean CPU over the run; docs/sizing.md holds a run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from components.sample_app import PIP_INSTALL
from tests.sample_app.app_processes import APP_DIR, app_python, import_app_module

TIERS = ("back", "middle", "front")
sys.path.insert(0, str(APP_DIR))  # sample-app/bench.py imports its neighbour loadgen.py


def pip_install_peak_mib(python: Path) -> tuple[float, float]:
    """(peak RSS MiB, seconds) of the init container's install, run here into a fresh folder."""
    with tempfile.TemporaryDirectory() as target:
        command = [str(python), *PIP_INSTALL[1:]]
        command[command.index("/deps")] = target
        command[command.index("/app/requirements.txt")] = str(APP_DIR / "requirements.txt")
        began = time.monotonic()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.monotonic() - began
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, seconds


def start_stack(python: Path, sink_url: str, rps: int) -> dict[str, subprocess.Popen]:
    bench = import_app_module("bench")  # the tiers started as sample-app/bench.py starts them
    env = {**os.environ, "HOST": "127.0.0.1", "OTEL_EXPORTER_OTLP_ENDPOINT": sink_url}
    env.update(OTEL_METRIC_EXPORT_INTERVAL="15000", PYTHONDONTWRITEBYTECODE="1")
    processes, downstream = {}, ""
    for tier in TIERS:
        process = subprocess.Popen(
            [str(python), str(APP_DIR / "app.py")],
            env={**env, "TIER": tier, "DOWNSTREAM_URL": downstream, "PORT": "0"},
            stdout=subprocess.PIPE,
            text=True,
        )
        processes[tier] = process
        downstream = f"http://127.0.0.1:{bench.listening_port(process)}/"
        bench.wait_ready(downstream)
    processes["loadgen"] = subprocess.Popen(
        [str(python), str(APP_DIR / "loadgen.py")],
        env={**env, "LOAD_TARGET_URL": downstream, "LOAD_RPS": str(rps)},
        stdout=subprocess.DEVNULL,
    )
    return processes


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=int, default=2, help="the load generator's rate (loadRps)")
    parser.add_argument("--seconds", type=float, default=60, help="measured, after start-up")
    args = parser.parse_args()
    python = app_python()
    pip_peak, pip_seconds = pip_install_peak_mib(python)
    print(f"init container (pip install): peak RSS {pip_peak:.0f} MiB, {pip_seconds:.0f} s")
    sink = ThreadingHTTPServer(("127.0.0.1", 0), import_app_module("bench").Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    processes = start_stack(python, f"http://127.0.0.1:{sink.server_address[1]}", args.rps)
    try:
        start = {name: cpu_seconds(p.pid) for name, p in processes.items()}
        time.sleep(args.seconds)
        used = {name: cpu_seconds(p.pid) - start[name] for name, p in processes.items()}
        peaks = {name: peak_rss_mib(p.pid) for name, p in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
        codes = [process.wait(timeout=30) for process in processes.values()]
        sink.shutdown()
    print(f"{args.rps} requests/s for {args.seconds:.0f} s (exit codes {codes}):")
    print(f"{'process':10} {'peak RSS (MiB)':>15} {'CPU (millicores)':>17}")
    for name in processes:
        print(f"{name:10} {peaks[name]:15.0f} {used[name] / args.seconds * 1000:17.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
