"""The Fargate log wrapper run for real: bash, tee and split as on a python:3.x-slim image.

A program writes a fixed number of interleaved stdout/stderr lines, paced at a rate the test
passes in, while chunks fill and the pruner deletes old ones; a follower reads the chunk files the
way file_log does (polls, keeps files open, reads deleted files to their end). Every line must
arrive once, in order per stream, on disk within the emptyDir bound and on the original streams
(kubectl logs). How fast the wrapper is: `python -m tests.agent.bench_log_wrapper` (a benchmark,
not a test, so a busy machine cannot fail it). The harness (app, follower) lives there too.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from kubernetes.utils import parse_quantity

from components.platforms.eks.fargate_sidecar import LogChunks
from tests.agent.bench_log_wrapper import ChunkFollower, drain, follow_to_the_end, run, start
from tests.helpers import require_tool

pytestmark = [pytest.mark.live, pytest.mark.slow]

TOOLS = ("bash", "tee", "split", "mkfifo", "mktemp", "date", "sleep", "rm")
# ~164-byte lines: 15,000 per stream fill about 5 chunks of 512 KiB each, so the pruner runs.
CHUNKS = LogChunks(chunk_bytes=512 * 1024, keep_chunks=2, prune_seconds=1)
LINES_PER_STREAM = 15_000


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


def _sequence(lines: list[str], prefix: str) -> list[int]:
    assert all(line.startswith(prefix) for line in lines), f"foreign or torn {prefix} line"
    return [int(line.split()[1]) for line in lines]


@pytest.mark.parametrize("lines_per_second", [3000])
def test_no_line_lost_order_kept_disk_bounded_exit_code_kept(
    tmp_path, tools_present, lines_per_second
):
    result = run(tmp_path, lines_per_second, LINES_PER_STREAM, 3, CHUNKS)

    assert result.returncode == 3, result.stderr[-5:]
    expected = list(range(1, LINES_PER_STREAM + 1))
    assert _sequence(result.stdout, "out ") == expected
    assert _sequence(result.stderr, "err ") == expected

    follower = result.follower
    assert follower.lines("stdout")[1:] == result.stdout
    assert follower.lines("stderr") == result.stderr
    assert follower.files_seen > 2 * (CHUNKS.keep_chunks + 1), "no rotation happened"
    assert follower.max_bytes_on_disk <= parse_quantity(CHUNKS.size_limit)
    assert not list((tmp_path / "logs").glob(".fifos.*")), "fifo directory left behind"


def test_sigterm_reaches_the_app_and_its_handler_decides_the_exit_code(tmp_path, tools_present):
    process = start(tmp_path, ["10", "300", "0"], LogChunks())
    assert process.stdout.readline() == b"ready\n"
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=10)
    assert process.returncode == 42
    assert b"sigterm handled" in out
    (chunk,) = (tmp_path / "logs").glob("stdout.*.log")
    assert "sigterm handled" in chunk.read_text()


STEADY_APP = textwrap.dedent(
    """
    import sys, time
    rate, seconds = int(sys.argv[1]), float(sys.argv[2])
    pad = "y" * 100
    start, sent = time.monotonic(), 0
    while (elapsed := time.monotonic() - start) < seconds:
        while sent < int(elapsed * rate):
            sent += 1
            sys.stdout.write(f"out {sent:08d} {pad}\\n")
            sys.stdout.flush()
        time.sleep(0.002)
    time.sleep(1)  # the tmpfs goes with the wrapper's namespace: let the follower read it all
    """
)
DISK_BYTES = 2 * 1024 * 1024
SMALL_CHUNKS = LogChunks(chunk_bytes=64 * 1024, keep_chunks=2, prune_seconds=1)


@pytest.fixture
def small_tmpfs(tools_present):
    """A real disk that fills up: a 2 MiB tmpfs mounted in a private mount namespace
    (`unshare -rm`: a user namespace, so no root needed where the kernel allows it)."""
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    require_tool(
        "unshare" if probe.returncode == 0 else None,
        "a private tmpfs mount (unshare -rm)",
        "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)",
    )


def _fill(directory: Path) -> Path:
    """Write a filler file until the disk answers ENOSPC; returns it."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == 28, error  # ENOSPC
    return filler


def test_file_side_resumes_after_the_disk_was_full(tmp_path, small_tmpfs):
    """The emptyDir fills up (ENOSPC on a chunk write) and is freed again: every line the app
    writes after that reaches the chunk files (the collector side), not just kubectl logs."""
    mount_then_wrap = f'mount -t tmpfs -o size={DISK_BYTES} tmpfs "$APP_LOG_DIR" && exec bash "$@"'
    launcher = ("unshare", "-rm", "sh", "-c", mount_then_wrap, "sh")
    process = start(tmp_path, ["1000", "6"], SMALL_CHUNKS, STEADY_APP, launcher)
    log_dir = tmp_path / "logs"
    stdout, stderr = [], []
    readers = [drain(process.stdout, stdout), drain(process.stderr, stderr)]
    # The tmpfs as the wrapper sees it: through its process's root, in its mount namespace.
    disk = Path(f"/proc/{process.pid}/root") / str(log_dir).lstrip("/")
    follower = ChunkFollower(disk)

    def written() -> int:
        lines = b"".join(stdout).split(b"\n")[:-1]
        return int(lines[-1].split()[1]) if lines else 0

    def follow(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and process.poll() is None:
            follower.poll()
            time.sleep(0.05)

    follow(1.5)
    filler = _fill(disk)
    follow(1.0)
    filler.unlink()
    follow(0.5)
    freed_at = written()
    follow(10)
    for reader in readers:
        reader.join()

    assert process.returncode == 0, b"".join(stderr)[-500:]
    assert b"No space left on device" in b"".join(stderr), "the disk never filled up"
    on_kubectl = _sequence(b"".join(stdout).decode().splitlines(), "out ")
    assert on_kubectl == list(range(1, len(on_kubectl) + 1)), "kubectl logs lost lines"
    after = [n for n in _sequence(follower.lines("stdout"), "out ") if n > freed_at]
    expected = list(range(freed_at + 1, on_kubectl[-1] + 1))
    assert len(expected) > 1000
    assert after == expected, f"{len(after)} of {len(expected)} lines after the disk was freed"


FILE_LIMIT_KIB = 100  # per file (RLIMIT_FSIZE), below the chunk size: every chunk hits it
LIMITED_CHUNKS = LogChunks(chunk_bytes=256 * 1024, keep_chunks=4, prune_seconds=1)


def test_file_side_resumes_after_every_write_failure_under_a_file_size_limit(
    tmp_path, tools_present
):
    """The same failure without a mount: a file-size limit (ulimit -f, SIGXFSZ ignored) makes
    every chunk's write fail with EFBIG once it holds 100 KiB. The file side must start a new
    chunk each time, so lines keep reaching the files up to the app's last one."""
    limited = f"ulimit -f {FILE_LIMIT_KIB}; trap '' XFSZ; exec bash \"$@\""
    launcher = ("bash", "-c", limited, "bash")
    process = start(tmp_path, ["1000", "5"], LIMITED_CHUNKS, STEADY_APP, launcher)
    stdout, stderr, follower = follow_to_the_end(process, tmp_path / "logs")

    assert process.returncode == 0, b"".join(stderr)[-500:]
    failures = b"".join(stderr).count(b"File too large")
    assert failures >= 3, f"{failures} write failures: the limit was not reached often enough"
    on_kubectl = _sequence(b"".join(stdout).decode().splitlines(), "out ")
    assert on_kubectl == list(range(1, len(on_kubectl) + 1)), "kubectl logs lost lines"
    in_files = _sequence(follower.lines("stdout"), "out ")
    assert in_files == sorted(set(in_files)), "a line repeated or out of order"
    assert in_files[-1] == on_kubectl[-1], "the file side stopped after a write failure"
    assert len(in_files) > len(on_kubectl) / 2
