"""Processes are stopped only when they are the very ones started (PID and start time)."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from kit.localcluster import processes

pytestmark = pytest.mark.live


def test_a_started_process_is_stopped_with_its_session(tmp_path):
    p = processes.start("sleeper", ["sh", "-c", "sleep 60 & sleep 60"], tmp_path)
    assert processes.alive(p)
    processes.stop(p, grace=5)
    assert not processes.alive(p)
    # the shell's child was in the same session: gone too
    left = subprocess.run(["pgrep", "-s", str(p.pid)], capture_output=True, text=True)
    assert left.stdout.strip() == ""


def test_a_process_that_only_reuses_a_recorded_pid_is_left_alone(tmp_path):
    p = processes.start("sleeper", ["sleep", "60"], tmp_path)
    try:
        impostor = dataclasses.replace(p, start_time=str(int(p.start_time) + 1))
        assert not processes.alive(impostor)
        processes.stop(impostor, grace=1)
        assert processes.alive(p)
    finally:
        processes.stop(p, grace=5)
