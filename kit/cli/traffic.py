"""`kit traffic --rps N --duration D`: drive the front end (through a port-forward, or --url)
at a steady rate, show progress, then latency percentiles and errors as the client saw them."""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from kit.cli import services
from kit.cli.errors import KitError
from kit.cli.kube import connect
from kit.cli.portforward import forward_service

REQUEST_TIMEOUT_S = 10
BAR_WIDTH = 30


@dataclass
class Tally:
    """Thread-safe results: latencies of answered requests, and what went wrong."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    unreachable: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sent(self) -> int:
        return len(self.latencies_ms) + self.unreachable

    def record(self, status: int | None, elapsed_ms: float) -> None:
        with self.lock:
            if status is None:
                self.unreachable += 1
                self.errors += 1
                return
            self.latencies_ms.append(elapsed_ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 400:
                self.errors += 1


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def run(args: argparse.Namespace) -> int:
    if args.url:
        tally = drive(args.url, args.rps, args.duration)
    else:
        kube = connect(args)
        front = services.FRONT
        with forward_service(kube, front.namespace, front.name, front.port) as fwd:
            tally = drive(fwd.url + "/", args.rps, args.duration)
    print(summary(tally))
    if tally.sent and tally.unreachable == tally.sent:
        raise KitError("the front end never answered: is the sample app running? (kit status)")
    return 0


def _one(url: str, tally: Tally) -> None:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_S) as response:
            response.read()
            status: int | None = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except (urllib.error.URLError, OSError):
        status = None
    tally.record(status, (time.perf_counter() - start) * 1000)


def drive(url: str, rps: float, duration_s: float, progress=None) -> Tally:
    """Open-loop load: request i starts at i/rps whether or not earlier ones finished."""
    progress = progress or sys.stderr
    tally = Tally()
    total = max(1, int(rps * duration_s))
    workers = min(256, max(4, int(rps * 2)))
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i in range(total):
            delay = start + i / rps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(_one, url, tally)
            if i % max(1, int(rps / 2)) == 0:
                _bar(progress, time.monotonic() - start, duration_s, tally)
    _bar(progress, duration_s, duration_s, tally)
    progress.write("\n")
    return tally


def _bar(out, elapsed: float, duration: float, tally: Tally) -> None:
    filled = min(BAR_WIDTH, int(BAR_WIDTH * elapsed / duration))
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    out.write(f"\r[{bar}] {elapsed:5.0f}/{duration:.0f}s  sent {tally.sent}  errors {tally.errors}")
    out.flush()


def summary(tally: Tally) -> str:
    if not tally.latencies_ms:
        return f"{tally.sent} requests, none answered"
    lat = tally.latencies_ms
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    return (
        f"{tally.sent} requests, {tally.errors} errors ({codes}; no answer: {tally.unreachable})\n"
        f"latency ms  p50 {percentile(lat, 50):.1f}  p95 {percentile(lat, 95):.1f}  "
        f"p99 {percentile(lat, 99):.1f}  max {max(lat):.1f}"
    )
