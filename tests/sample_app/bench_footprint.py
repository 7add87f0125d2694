"""Benchmark: the memory and CPU each sample-app pod needs, to size its requests and limits
(`venv/bin/python -m tests.sample_app.bench_footprint [--rps 2] [--seconds 60]`).

Runs what the pods run, on loopback: the wheelhouse's `pip download` of the locked requirements
from PyPI (its DOWNLOAD command), a tier's init container installing them from that folder served
over HTTP as the wheelhouse serves it (INSTALL_DEPS without the wait), then the three tiers
(front -> middle -> back, exporting to a loopback OTLP sink that accepts and drops everything) on
the interpreter built from the lock, and the load generator (sample-app/loadgen.py as its pod
runs it) at `--rps` (the stack's loadRps) for `--seconds`. Prints each process's peak RSS (VmHWM)
and its mean CPU over the run; docs/sizing.md holds a run.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from components.sample_app import PIP_INSTALL
from components.sample_app_wheelhouse import DOWNLOAD, REQUIREMENTS, WHEELS
from tests.sample_app.app_processes import APP_DIR, app_python, import_app_module

TIERS = ("back", "middle", "front")
sys.path.insert(0, str(APP_DIR))  # sample-app/bench.py imports its neighbour loadgen.py


def peak_of(command: list[str]) -> tuple[float, float]:
    """(peak RSS MiB, seconds) of one command: its own VmHWM, read until it exits. Not the
    rusage of wait4: Linux carries the forking parent's peak into a child's ru_maxrss."""
    began = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, peak_rss_mib(process.pid))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.02)
    if process.wait() != 0:
        raise SystemExit(f"{command[:4]} failed: {process.stderr.read().decode()[-500:]}")
    return peak, time.monotonic() - began


def pip_peaks_mib(python: Path) -> dict[str, tuple[float, float]]:
    """The wheelhouse's download and a tier's install from it, each as its pod runs it."""
    requirements = str(APP_DIR / "requirements.txt")
    with tempfile.TemporaryDirectory() as wheels, tempfile.TemporaryDirectory() as target:
        download = [str(python), *DOWNLOAD[1:]]
        download[download.index(WHEELS)] = wheels
        download[download.index(REQUIREMENTS)] = requirements
        peaks = {"wheelhouse download (pip download)": peak_of(download)}
        handler = functools.partial(SimpleHTTPRequestHandler, directory=wheels)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            install = [str(python), *PIP_INSTALL[1:], "--no-index", "--find-links",
                       f"http://127.0.0.1:{server.server_address[1]}/"]  # fmt: skip
            install[install.index("/deps")] = target
            install[install.index("/app/requirements.txt")] = requirements
            peaks["tier init container (pip install from the wheelhouse)"] = peak_of(install)
        finally:
            server.shutdown()
    return peaks


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
    for what, (peak, seconds) in pip_peaks_mib(python).items():
        print(f"{what}: peak RSS {peak:.0f} MiB, {seconds:.0f} s")
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
