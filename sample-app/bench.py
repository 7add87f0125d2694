"""What telemetry costs per hop: front's latency at a fixed rate with telemetry on and off.

Run from the repository root after sample-app/setup-venv.sh:

    python3 sample-app/bench.py [--rps 50] [--seconds 20] [--slice 5]

Two copies of the three tiers run side by side: "on" exports traces and metrics over OTLP/HTTP
to a local sink that accepts and drops them; "off" sets OTEL_SDK_DISABLED=true, which in this app
also leaves the request path uninstrumented. The load alternates between them in short slices;
the added latency per hop is (on - off) / 3.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from loadgen import LoadGenerator, percentile

HERE = Path(__file__).resolve().parent
TIERS = ("back", "middle", "front")
HOPS = len(TIERS)
DECIDED_HERE = ("OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_")
MODES = ("off", "on")


class Sink(BaseHTTPRequestHandler):
    """Accepts any OTLP/HTTP export with an empty (valid) protobuf response."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.accepted()

    def accepted(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


LISTENING = re.compile(r"Uvicorn running on http://[^:]+:(\d+) ")


def listening_port(process: subprocess.Popen) -> int:
    """The port a tier started with PORT=0 bound, from uvicorn's start line on its stdout; the
    rest of its output is drained in the background (a full pipe would stall the tier)."""
    for line in process.stdout:
        found = LISTENING.search(line)
        if found:
            threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
            return int(found.group(1))
    raise SystemExit(f"bench: a tier exited ({process.wait()}) before it listened")


def start_tiers(python: str, telemetry_on: bool, sink_url: str):
    """back, middle, front, each calling the next; returns the processes and front's URL."""
    # Tuning variables (OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL...) pass through; where to export
    # and whether to export at all is the benchmark's to decide.
    base = {k: v for k, v in os.environ.items() if not k.startswith(DECIDED_HERE)}
    base.update(HOST="127.0.0.1", OTEL_EXPORTER_OTLP_ENDPOINT=sink_url)
    if not telemetry_on:
        base["OTEL_SDK_DISABLED"] = "true"
    processes, downstream = [], ""
    for tier in TIERS:
        env = {**base, "TIER": tier, "DOWNSTREAM_URL": downstream, "PORT": "0"}
        command = [python, str(HERE / "app.py")]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        processes.append(process)
        downstream = f"http://127.0.0.1:{listening_port(process)}/"
        wait_ready(downstream)
    return processes, downstream


def wait_ready(url: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "readyz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench: {url} not ready after {timeout_s} s")


def fire(url: str, rps: float, seconds: float) -> dict:
    generator = LoadGenerator(url, rps, timeout_s=5, max_in_flight=64)
    generator.run(threading.Event(), duration_s=seconds)
    return generator.tally.take()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="measured, per mode")
    parser.add_argument("--slice", type=float, default=5, help="seconds per alternation")
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    python = os.environ.get("SAMPLE_APP_PYTHON", str(HERE / ".venv" / "bin" / "python"))
    if not Path(python).exists():
        raise SystemExit(f"bench: no {python}; run sample-app/setup-venv.sh first")

    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"
    stacks = {mode: start_tiers(python, mode == "on", sink_url) for mode in MODES}
    results = {mode: [] for mode in MODES}
    try:
        for mode in MODES:
            fire(stacks[mode][1], args.rps, args.warmup)
        # Short alternating slices, order flipped each time, so a burst of noise from anything
        # else on the machine lands on both modes alike.
        for slice_number in range(max(1, round(args.seconds / args.slice))):
            for mode in MODES if slice_number % 2 == 0 else MODES[::-1]:
                results[mode].append(fire(stacks[mode][1], args.rps, args.slice))
    finally:
        codes = stop([process for processes, _ in stacks.values() for process in processes])
        sink.shutdown()
    failed = sum(t["errors"] + t["skipped"] for tallies in results.values() for t in tallies)
    if any(codes) or failed:
        raise SystemExit(f"bench: exit codes {codes}, {failed} failed or skipped requests")
    report(results, args)
    return 0


def stop(processes: list[subprocess.Popen]) -> list[int]:
    for process in processes:
        process.terminate()
    return [process.wait(timeout=30) for process in processes]


def report(results: dict[str, list[dict]], args) -> None:
    work_ms = os.environ.get("WORK_MS", "20 (default)")
    print(
        f"front at {args.rps:g} rps, {args.seconds:g} s per mode in {args.slice:g} s slices, "
        f"WORK_MS={work_ms}, {HOPS} hops, {os.cpu_count()} CPUs"
    )
    print(f"{'telemetry':<10}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    figures = {}
    for mode in MODES:
        latencies = [ms for tally in results[mode] for ms in tally["latencies_ms"]]
        rps = sum(t["achieved_rps"] for t in results[mode]) / len(results[mode])
        figures[mode] = {q: percentile(latencies, q) for q in (0.5, 0.99, 1.0)}
        p50, p99, top = figures[mode][0.5], figures[mode][0.99], figures[mode][1.0]
        print(f"{mode:<10}{len(latencies):>9}{rps:>8.1f}{p50:>9.2f}{p99:>9.2f}{top:>9.2f}")
    for label, q in (("p50", 0.5), ("p99", 0.99)):
        added = (figures["on"][q] - figures["off"][q]) / HOPS
        print(f"added {label} per hop: {added:+.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
