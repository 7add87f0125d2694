"""The load generator holds its rate, counts failures, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading

import pytest

from tests.helpers import wait_for
from tests.sample_app.app_processes import APP_DIR, import_app_module

loadgen = import_app_module("loadgen")


@pytest.fixture
def target(httpserver) -> str:
    """200 on /, 500 on /fail."""
    httpserver.expect_request("/fail").respond_with_data("", status=500)
    httpserver.expect_request("/").respond_with_data("")
    return httpserver.url_for("").rstrip("/")


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert loadgen.percentile(values, 0.5) == 50
    assert loadgen.percentile(values, 0.99) == 99
    assert loadgen.percentile([], 0.5) is None


@pytest.mark.parametrize(("path", "errors"), [("/", 0), ("/fail", 20)])
@pytest.mark.live
def test_fires_at_the_configured_rate_and_counts_errors(target, path, errors):
    generator = loadgen.LoadGenerator(target + path, rps=20, timeout_s=2, max_in_flight=8)
    generator.run(threading.Event(), duration_s=1.0)
    summary = generator.tally.take()
    assert (summary["sent"], summary["errors"], summary["skipped"]) == (20, errors, 0)


@pytest.mark.live
def test_sigterm_prints_a_final_summary_and_exits_zero(target, tmp_path):
    out = tmp_path / "loadgen.out"
    env = {"LOAD_TARGET_URL": target + "/", "LOAD_RPS": "20", "LOAD_REPORT_EVERY_S": "0.3"}
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, str(APP_DIR / "loadgen.py")], env=env, stdout=stdout
        )
        try:
            wait_for(lambda: "loadgen.summary" in out.read_text(), what="a summary line")
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert events[0]["event"] == "loadgen.started"
    assert events[-1]["event"] == "loadgen.stopped"
    assert sum(e.get("ok", 0) for e in events) > 0
    assert sum(e.get("errors", 0) for e in events) == 0
