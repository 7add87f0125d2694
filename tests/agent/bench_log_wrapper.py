"""Benchmark: how many lines per second the Fargate log wrapper
(components/platforms/eks/scripts/app-log-wrapper.sh) passes through real bash, tee and split, with
a reader following the chunk files as file_log does.

The same run serves tests/agent/test_app_log_wrapper.py, which checks correctness only (every
line arrives once, in order, within the disk bound) at a paced rate it passes in; speed is a
figure printed here, never a test assertion. Run with `make bench` (or
`python -m tests.agent.bench_log_wrapper [--lines N]`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from components.platforms.eks.fargate_sidecar import LogChunks, wrapper_script

# Writes `count` numbered lines to stdout and to stderr, at most `rate` per second and stream
# (0: as fast as it can), then exits with `code`; SIGTERM makes it print and exit 42.
NOISY_APP = textwrap.dedent(
    """
    import signal, sys, time
    rate, count, code = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

    def on_term(signum, frame):
        print("sigterm handled", flush=True)
        sys.exit(42)

    signal.signal(signal.SIGTERM, on_term)
    print("ready", flush=True)
    pad = "x" * 150
    start = time.monotonic()
    for sent in range(1, count + 1):
        if rate:
            time.sleep(max(0.0, start + sent / rate - time.monotonic()))
        sys.stdout.write(f"out {sent:08d} {pad}\\n")
        sys.stdout.flush()
        sys.stderr.write(f"err {sent:08d} {pad}\\n")
        sys.stderr.flush()
    sys.exit(code)
    """
)


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

    @staticmethod
    def read_all(directory: Path, stream: str) -> list[str]:
        """The lines of one stream's chunk files on disk now, in order (no following)."""
        follower = ChunkFollower(directory)
        follower.poll()
        follower.close()
        return follower.lines(stream)

    def close(self) -> None:
        for handle, _ in self.open.values():
            handle.close()


def start(
    directory: Path,
    app_args: list[str],
    chunks: LogChunks,
    app_source: str = NOISY_APP,
    launcher: tuple[str, ...] = ("bash",),
) -> subprocess.Popen:
    """The wrapper around `app_source` (NOISY_APP: rate, count, exit code) in `directory`,
    started by `launcher` (which ends by running bash)."""
    wrapper = directory / "app-log-wrapper.sh"
    wrapper.write_text(wrapper_script())
    app = directory / "app.py"
    app.write_text(app_source)
    log_dir = directory / "logs"
    log_dir.mkdir()
    env = {
        **os.environ,
        "APP_LOG_DIR": str(log_dir),
        "APP_LOG_CHUNK_BYTES": str(chunks.chunk_bytes),
        "APP_LOG_KEEP_CHUNKS": str(chunks.keep_chunks),
        "APP_LOG_PRUNE_SECONDS": str(chunks.prune_seconds),
    }
    return subprocess.Popen(
        [*launcher, str(wrapper), sys.executable, str(app), *app_args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@dataclass
class WrapperRun:
    """What one run produced: exit code, the original streams (kubectl logs), the chunk files as
    the follower read them, and how long it took."""

    returncode: int
    stdout: list[str]  # after the app's "ready" line
    stderr: list[str]
    follower: ChunkFollower
    seconds: float


def run(directory: Path, rate: int, count: int, code: int, chunks: LogChunks) -> WrapperRun:
    """Run the wrapper until the app exits, following the chunk files every 50 ms."""
    started = time.monotonic()
    process = start(directory, [str(rate), str(count), str(code)], chunks)
    out, err, follower = follow_to_the_end(process, directory / "logs")
    seconds = time.monotonic() - started
    follower.close()
    stdout = b"".join(out).decode().splitlines()[1:]
    return WrapperRun(
        process.returncode, stdout, b"".join(err).decode().splitlines(), follower, seconds
    )


def follow_to_the_end(
    process: subprocess.Popen, logs: Path
) -> tuple[list[bytes], list[bytes], ChunkFollower]:
    """Read the wrapper's stdout/stderr and follow its chunk files until it exits."""
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    readers = [drain(process.stdout, stdout), drain(process.stderr, stderr)]
    follower = ChunkFollower(logs)
    while process.poll() is None:
        follower.poll()
        time.sleep(0.05)
    for reader in readers:
        reader.join()
    follower.poll()
    return stdout, stderr, follower


def drain(stream, into: list[bytes]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=50_000, help="lines per stream")
    lines = parser.parse_args().lines
    chunks = LogChunks(chunk_bytes=1024 * 1024, keep_chunks=2, prune_seconds=1)
    with tempfile.TemporaryDirectory() as directory:
        result = run(Path(directory), rate=0, count=lines, code=0, chunks=chunks)
    read = len(result.follower.lines("stdout")) - 1 + len(result.follower.lines("stderr"))
    print(f"app-log-wrapper, {lines} lines per stream unpaced, two streams")
    print(f"  {2 * lines / result.seconds:,.0f} lines/s through tee and split")
    print(f"  {2 * lines - read} lines missing from the chunk files (exit {result.returncode})")
    follower = result.follower
    print(
        f"  {follower.files_seen} chunk files, at most {follower.max_bytes_on_disk:,} bytes on disk"
    )
    print(f"  (bound {chunks.size_limit})")


if __name__ == "__main__":
    main()
