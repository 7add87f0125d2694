"""sample-app/bench_volume.py, which measures the usage defaults of `kit cost`, counts what the
three tiers really export: five spans (a server span per tier, a client span per downstream
call) and about three log lines per request (one `served` line per tier)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.sample_app.app_processes import APP_DIR, app_python

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_the_volume_bench_counts_spans_and_log_lines_per_request():
    done = subprocess.run(
        [str(app_python()), "bench_volume.py", "--rps", "5", "--seconds", "4"],
        cwd=APP_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(re.findall(r"^(\w[\w ]*?)\s+([\d.]+)$", done.stdout, re.MULTILINE))
    assert float(figures["spans per request"]) == pytest.approx(5, abs=0.2)
    assert float(figures["log lines per request"]) == pytest.approx(3, abs=0.2)
    assert 300 < float(figures["log bytes per request"]) < 2000
    assert 1000 < float(figures["OTLP span bytes per request"]) < 5000
