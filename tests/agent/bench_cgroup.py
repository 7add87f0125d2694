"""A cgroup with a container's memory limit and CPU quota, for benchmarks run as root.

What the kubelet sets for a container's limits (cgroup v1: memory.limit_in_bytes and
cpu.cfs_quota_us over a 100 ms period; v2: memory.max and cpu.max), so a process in it sees the
limits the way the collector's memory_limiter (limit_percentage reads the cgroup) and the Go
runtime do in the pod.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000
MIB = 2**20


@dataclass
class Cgroup:
    memory: Path
    cpu: Path
    v2: bool

    @staticmethod
    def unavailable() -> str | None:
        """Why a cgroup cannot be made here, or None."""
        if os.geteuid() != 0:
            return "not root"
        if (ROOT / "memory").is_dir() and (ROOT / "cpu").is_dir():
            return None
        controllers = ROOT / "cgroup.controllers"
        if controllers.exists() and {"memory", "cpu"} <= set(controllers.read_text().split()):
            return None
        return f"no memory and cpu controllers under {ROOT}"

    @classmethod
    def create(cls, name: str) -> Cgroup:
        if (ROOT / "memory").is_dir():
            group = cls(ROOT / "memory" / name, ROOT / "cpu" / name, v2=False)
        else:
            group = cls(ROOT / name, ROOT / name, v2=True)
        for path in {group.memory, group.cpu}:
            path.mkdir()  # a cgroup of that name already there is not ours: refuse, not reuse
        return group

    def limit(self, memory_bytes: int, millicores: int) -> None:
        quota = millicores * PERIOD_US // 1000
        if self.v2:
            (self.memory / "memory.max").write_text(str(memory_bytes))
            (self.cpu / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        else:
            (self.memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            (self.cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.cpu / "cpu.cfs_quota_us").write_text(str(quota))

    def wrap(self, command: list[str]) -> list[str]:
        """`command`, started inside this cgroup (the shell execs it: same process)."""
        procs = sorted({str(self.memory / "cgroup.procs"), str(self.cpu / "cgroup.procs")})
        joins = "; ".join(f"echo $$ > {p}" for p in procs)
        return ["sh", "-c", f'{joins}; exec "$@"', "sh", *command]

    def figures(self) -> dict[str, float]:
        """Peak memory charged (MiB), share of CPU periods throttled, OOM kills."""
        if self.v2:
            peak = int((self.memory / "memory.peak").read_text())
            events = _pairs(self.memory / "memory.events")
            cpu = _pairs(self.cpu / "cpu.stat")
        else:
            peak = int((self.memory / "memory.max_usage_in_bytes").read_text())
            events = _pairs(self.memory / "memory.oom_control")
            cpu = _pairs(self.cpu / "cpu.stat")
        periods = max(cpu.get("nr_periods", 0), 1)
        return {
            "peak_mib": peak / MIB,
            "throttled": cpu.get("nr_throttled", 0) / periods,
            "oom_kills": events.get("oom_kill", 0),
        }

    def remove(self) -> None:
        for path in {self.memory, self.cpu}:
            if path.exists():
                path.rmdir()


def _pairs(path: Path) -> dict[str, int]:
    pairs = (line.split() for line in path.read_text().splitlines())
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}
