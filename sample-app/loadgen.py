"""In-cluster load generator: GETs the front tier at a steady rate until SIGTERM.

Standard library only, so it runs on the bare Python image from the same ConfigMap as the app.
The rate is open-loop (requests start on schedule, not when the previous one returns), so a slow
back tier shows up as latency rather than as a quietly lower request rate. Every
LOAD_REPORT_EVERY_S it prints one JSON summary line to stdout.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Tally:
    """Outcomes since the last `take()`, shared by the request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.started = time.monotonic()
        self.latencies_ms: list[float] = []
        self.errors = 0
        self.skipped = 0

    def record(self, ok: bool, latency_ms: float) -> None:
        with self._lock:
            self.latencies_ms.append(latency_ms)
            if not ok:
                self.errors += 1

    def skip(self) -> None:
        with self._lock:
            self.skipped += 1

    def take(self) -> dict:
        """A summary of the window so far, and start a new window."""
        with self._lock:
            window_s = time.monotonic() - self.started
            latencies, errors, skipped = self.latencies_ms, self.errors, self.skipped
            self._reset()
        return {
            "window_s": round(window_s, 2),
            "sent": len(latencies),
            "ok": len(latencies) - errors,
            "errors": errors,
            "skipped": skipped,
            "achieved_rps": round(len(latencies) / window_s, 2) if window_s else 0.0,
            "p50_ms": _round(percentile(latencies, 0.50)),
            "p99_ms": _round(percentile(latencies, 0.99)),
            "max_ms": _round(max(latencies, default=None)),
            "latencies_ms": latencies,
        }


class LoadGenerator:
    def __init__(self, url: str, rps: float, timeout_s: float, max_in_flight: int) -> None:
        self.url = url
        self.interval_s = 1.0 / rps
        self.timeout_s = timeout_s
        self.tally = Tally()
        # A bound on concurrent requests, so a hung target costs skipped requests, not memory.
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._pool = ThreadPoolExecutor(max_workers=max_in_flight)

    def run(self, stop: threading.Event, duration_s: float | None = None) -> None:
        """Fire on schedule until `stop` is set (or `duration_s` passed), then drain."""
        due = time.monotonic()
        # Count ticks rather than compare accumulated float times: 20 x 0.05 s adds up to a hair
        # under 1 s, which would fire a 21st request in a 1-second run.
        ticks = None if duration_s is None else round(duration_s / self.interval_s)
        fired = 0
        while not stop.is_set() and (ticks is None or fired < ticks):
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            if self._slots.acquire(blocking=False):
                self._pool.submit(self._one_request)
            else:
                self.tally.skip()
            fired += 1
            due += self.interval_s
            # After a long stall (a paused VM, say) resume the rate instead of bursting to catch up.
            due = max(due, time.monotonic() - 1.0)
        self._pool.shutdown(wait=True)

    def _one_request(self) -> None:
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout_s) as response:
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, OSError):  # HTTPError (a 5xx answer) is a URLError
            ok = False
        finally:
            self._slots.release()
        self.tally.record(ok, (time.perf_counter() - began) * 1000)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def main() -> int:
    url = os.environ.get("LOAD_TARGET_URL", "http://front:8080/")
    rps = _env_number("LOAD_RPS", 2)
    if rps <= 0:
        print("loadgen: LOAD_RPS must be above 0", file=sys.stderr)
        return 2
    report_every_s = _env_number("LOAD_REPORT_EVERY_S", 10)
    generator = LoadGenerator(
        url,
        rps,
        timeout_s=_env_number("LOAD_TIMEOUT_S", 5),
        max_in_flight=int(_env_number("LOAD_MAX_IN_FLIGHT", 64)),
    )
    # Block the stop signals in every thread and wait for them synchronously below: no handler
    # runs in the middle of other code, and the wait doubles as the report timer.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    stop = threading.Event()
    firing = threading.Thread(target=generator.run, args=(stop,))
    firing.start()
    _print({"event": "loadgen.started", "target": url, "rps": rps})
    while signal.sigtimedwait(STOP_SIGNALS, report_every_s) is None:
        _print(_summary(generator, url))
    stop.set()
    firing.join()
    _print({**_summary(generator, url), "event": "loadgen.stopped"})
    return 0


def _summary(generator: LoadGenerator, url: str) -> dict:
    summary = generator.tally.take()
    del summary["latencies_ms"]
    return {"event": "loadgen.summary", "target": url, **summary}


def _print(entry: dict) -> None:
    print(json.dumps(entry), flush=True)


if __name__ == "__main__":
    sys.exit(main())
