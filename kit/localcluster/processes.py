"""Start the control plane's programs in the background and stop exactly those later.

A process is recorded with its PID and its start time (from /proc), so `down` never signals a
process that merely reuses a recorded PID after a reboot or a crash.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Started:
    name: str
    pid: int
    start_time: str  # field 22 of /proc/<pid>/stat: ticks since boot
    log: str

    def to_json(self) -> dict:
        return asdict(self)


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def start(name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None) -> Started:
    """Run argv in its own session, output into log_dir/<name>.log."""
    log = log_dir / f"{name}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    started = _start_time(proc.pid) or ""
    return Started(name, proc.pid, started, str(log))


def alive(p: Started) -> bool:
    return _start_time(p.pid) == p.start_time


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(p: Started, grace: float = 10.0) -> None:
    """SIGTERM the recorded process and its session, SIGKILL what is left after `grace` s."""
    if not alive(p):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):  # reap it if it is our child
                os.waitpid(p.pid, os.WNOHANG)
            if not _group_alive(p.pid):
                return
            time.sleep(0.1)


def tail(p: Started, lines: int = 20) -> str:
    try:
        return "\n".join(Path(p.log).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
