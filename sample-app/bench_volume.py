"""What the sample app's telemetry weighs: log bytes, spans and metric points per request.

Run from the repository root after sample-app/setup-venv.sh:

    sample-app/.venv/bin/python sample-app/bench_volume.py [--rps 2] [--seconds 120]

The three tiers run with telemetry on, exporting over OTLP/HTTP to a local sink that decodes
and counts what arrives; each tier's stdout (its logs, which the node agent tails) is counted
too. `kit cost` takes its usage defaults from this output (kit/plan/cost/usage.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench import LISTENING, TIERS, Sink, fire, stop, wait_ready
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

HERE = Path(__file__).resolve().parent
TOTALS: Counter = Counter()
SETTLE_S = 7
LOCK = threading.Lock()


class CountingSink(Sink):
    """Accepts OTLP/HTTP exports and counts their bytes, spans and metric data points."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's method name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        counts: Counter = Counter()
        if self.path.endswith("/v1/traces"):
            request = ExportTraceServiceRequest.FromString(body)
            counts["span_bytes"] = len(body)
            counts["spans"] = sum(
                len(scope.spans) for rs in request.resource_spans for scope in rs.scope_spans
            )
        elif self.path.endswith("/v1/metrics"):
            request = ExportMetricsServiceRequest.FromString(body)
            counts["metric_bytes"] = len(body)
            counts["metric_points"] = sum(
                len(getattr(m, m.WhichOneof("data")).data_points)
                for rm in request.resource_metrics
                for scope in rm.scope_metrics
                for m in scope.metrics
            )
        with LOCK:
            TOTALS.update(counts)
        self.accepted()


def start_counted(python: str, sink_url: str) -> tuple[list[subprocess.Popen], str]:
    """back, middle, front with telemetry on; each tier's stdout bytes and lines go to TOTALS."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_EXPORTER_OTLP_")}
    base.update(HOST="127.0.0.1", OTEL_EXPORTER_OTLP_ENDPOINT=sink_url)
    processes, downstream = [], ""
    for tier in TIERS:
        env = {**base, "TIER": tier, "DOWNSTREAM_URL": downstream, "PORT": "0"}
        process = subprocess.Popen(
            [python, str(HERE / "app.py")], env=env, stdout=subprocess.PIPE, text=True
        )
        processes.append(process)
        for line in process.stdout:
            found = LISTENING.search(line)
            if found:
                break
        else:
            raise SystemExit(f"bench: a tier exited ({process.wait()}) before it listened")
        threading.Thread(target=_count_lines, args=(process,), daemon=True).start()
        downstream = f"http://127.0.0.1:{found.group(1)}/"
        wait_ready(downstream)
    return processes, downstream


def _count_lines(process: subprocess.Popen) -> None:
    for line in process.stdout:
        with LOCK:
            TOTALS["log_bytes"] += len(line.encode())
            TOTALS["log_lines"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=2)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    python = os.environ.get("SAMPLE_APP_PYTHON", str(HERE / ".venv" / "bin" / "python"))
    sink = ThreadingHTTPServer(("127.0.0.1", 0), CountingSink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    processes, front = start_counted(python, f"http://127.0.0.1:{sink.server_address[1]}")
    try:
        fire(front, args.rps, 3)  # warm-up, exported (the span batch delay is 5 s), then
        time.sleep(SETTLE_S)  # counting starts from a clean slate
        with LOCK:
            TOTALS.clear()
        started = time.monotonic()
        tally = fire(front, args.rps, args.seconds)
        elapsed = time.monotonic() - started
        time.sleep(1)  # the last requests' log lines, before the tiers log their shutdown
        with LOCK:
            logs = {k: TOTALS[k] for k in ("log_lines", "log_bytes")}
    finally:
        codes = stop(processes)  # shutting down flushes spans and metrics into the counts
        sink.shutdown()
    for key, before_shutdown in logs.items():  # the tiers' shutdown lines are no request's
        TOTALS[key] = before_shutdown
    served = len(tally["latencies_ms"])
    if any(codes) or tally["errors"] or not served:
        raise SystemExit(f"bench: exit codes {codes}, {tally['errors']} errors, {served} served")
    report(served, elapsed, args)
    return 0


def report(served: int, elapsed: float, args) -> None:
    minutes = elapsed / 60
    print(f"{served} requests at {args.rps:g} rps over {elapsed:.0f} s, {len(TIERS)} tiers")
    print(f"log lines per request       {TOTALS['log_lines'] / served:8.2f}")
    print(f"log bytes per request       {TOTALS['log_bytes'] / served:8.0f}")
    print(f"spans per request           {TOTALS['spans'] / served:8.2f}")
    print(f"OTLP span bytes per request {TOTALS['span_bytes'] / served:8.0f}")
    print(f"metric points per minute    {TOTALS['metric_points'] / minutes:8.0f}")
    print(f"OTLP metric bytes per minute{TOTALS['metric_bytes'] / minutes:8.0f}")


if __name__ == "__main__":
    sys.exit(main())
