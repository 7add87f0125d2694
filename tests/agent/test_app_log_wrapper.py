"""The Fargate log wrapper run for real: bash, tee and split as on a python:3.x-slim image.

A program writes interleaved stdout/stderr at > 5,000 lines/s for 10 s while chunks fill and
the pruner deletes old ones; a follower reads the chunk files the way file_log does (polls,
keeps files open, reads deleted files to their end). Every line must arrive once, in order per
stream, on disk within the emptyDir bound and on the original streams (kubectl logs).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from agent.fargate_sidecar import LogChunks, wrapper_script
from agent.quantities import memory_bytes

TOOLS = ("bash", "tee", "split", "mkfifo", "mktemp", "date", "sleep", "rm")
LINES_PER_SECOND_PER_STREAM = 3000
SECONDS = 10
CHUNKS = LogChunks(chunk_bytes=1024 * 1024, keep_chunks=2, prune_seconds=1)

NOISY_APP = textwrap.dedent(
    """
    import signal, sys, time
    rate, seconds, code = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])

    def on_term(signum, frame):
        print("sigterm handled", flush=True)
        sys.exit(42)

    signal.signal(signal.SIGTERM, on_term)
    print("ready", flush=True)
    pad = "x" * 150
    start, sent = time.monotonic(), 0
    while (elapsed := time.monotonic() - start) < seconds:
        while sent < int(elapsed * rate):
            sent += 1
            sys.stdout.write(f"out {sent:08d} {pad}\\n")
            sys.stdout.flush()
            sys.stderr.write(f"err {sent:08d} {pad}\\n")
            sys.stderr.flush()
        time.sleep(0.001)
    sys.exit(code)
    """
)


@pytest.fixture(scope="module")
def tools_present():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing {missing}: install them with `apt-get install -y bash coreutils`")
    bash = subprocess.run(
        ["bash", "-c", "echo ${BASH_VERSINFO[0]}${BASH_VERSINFO[1]}"],
        capture_output=True,
        text=True,
    )
    if int(bash.stdout) < 51:
        pytest.fail("the wrapper needs bash >= 5.1 (`wait -p`); python:3.x-slim has 5.2")


class ChunkFollower:
    """Reads chunk files like file_log: discovers them by polling, holds them open, reads on."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.open: dict[str, tuple] = {}
        self.max_bytes_on_disk = 0
        self.files_seen = 0

    def poll(self) -> None:
        on_disk = 0
        for path in sorted(self.directory.glob("std*.*.log")):
            try:
                on_disk += path.stat().st_size
                if path.name not in self.open:
                    self.open[path.name] = (path.open("rb"), bytearray())
                    self.files_seen += 1
            except FileNotFoundError:
                continue
        self.max_bytes_on_disk = max(self.max_bytes_on_disk, on_disk)
        for handle, data in self.open.values():
            data += handle.read()

    def lines(self, stream: str) -> list[str]:
        names = sorted(n for n in self.open if n.startswith(f"{stream}."))
        text = b"".join(self.open[n][1] for n in names).decode()
        return text.splitlines()


def _start(tmp_path: Path, app_args: list[str], chunks: LogChunks) -> subprocess.Popen:
    wrapper = tmp_path / "app-log-wrapper.sh"
    wrapper.write_text(wrapper_script())
    app = tmp_path / "noisy.py"
    app.write_text(NOISY_APP)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    env = {
        **os.environ,
        "APP_LOG_DIR": str(log_dir),
        "APP_LOG_CHUNK_BYTES": str(chunks.chunk_bytes),
        "APP_LOG_KEEP_CHUNKS": str(chunks.keep_chunks),
        "APP_LOG_PRUNE_SECONDS": str(chunks.prune_seconds),
    }
    return subprocess.Popen(
        ["bash", str(wrapper), sys.executable, str(app), *app_args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _drain(stream, into: list[bytes]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


def _sequence(lines: list[str], prefix: str) -> list[int]:
    assert all(line.startswith(prefix) for line in lines), f"foreign or torn {prefix} line"
    return [int(line.split()[1]) for line in lines]


def test_no_line_lost_order_kept_disk_bounded_exit_code_kept(tmp_path, tools_present):
    started = time.monotonic()
    process = _start(tmp_path, [str(LINES_PER_SECOND_PER_STREAM), str(SECONDS), "3"], CHUNKS)
    stdout, stderr = [], []
    readers = [_drain(process.stdout, stdout), _drain(process.stderr, stderr)]
    follower = ChunkFollower(tmp_path / "logs")
    while process.poll() is None:
        follower.poll()
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    for reader in readers:
        reader.join()
    follower.poll()

    assert process.returncode == 3, b"".join(stderr)[-500:]
    kubectl_out = b"".join(stdout).decode().splitlines()[1:]  # after "ready"
    kubectl_err = b"".join(stderr).decode().splitlines()
    written = _sequence(kubectl_out, "out ")
    assert written == list(range(1, len(written) + 1))
    assert _sequence(kubectl_err, "err ") == written
    assert 2 * len(written) / elapsed >= 5000, f"only {2 * len(written) / elapsed:.0f} lines/s"

    assert follower.lines("stdout")[1:] == kubectl_out
    assert follower.lines("stderr") == kubectl_err
    assert follower.files_seen > 2 * (CHUNKS.keep_chunks + 1), "no rotation happened"
    assert follower.max_bytes_on_disk <= memory_bytes(CHUNKS.size_limit)
    assert not list((tmp_path / "logs").glob(".fifos.*")), "fifo directory left behind"


def test_sigterm_reaches_the_app_and_its_handler_decides_the_exit_code(tmp_path, tools_present):
    process = _start(tmp_path, ["10", "30", "0"], LogChunks())
    assert process.stdout.readline() == b"ready\n"
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=10)
    assert process.returncode == 42
    assert b"sigterm handled" in out
    (chunk,) = (tmp_path / "logs").glob("stdout.*.log")
    assert "sigterm handled" in chunk.read_text()
