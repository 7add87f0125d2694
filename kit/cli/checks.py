"""One verify check's outcome and the pass/fail table; exit code 2 when a backend could not be
asked at all (an environment problem), 1 when something asked for is missing, else 0."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kit.cli.errors import BackendUnreachableError
from kit.cli.http_json import BackendError

PASS, FAIL, UNREACHABLE, INFO = "PASS", "FAIL", "UNREACHABLE", "INFO"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


def run_check(name: str, probe: Callable[[], tuple[bool, str]]) -> Check:
    """Run one probe; a backend that errs fails the check, one that is absent is UNREACHABLE."""
    try:
        ok, detail = probe()
    except BackendUnreachableError as err:
        return Check(name, UNREACHABLE, str(err))
    except BackendError as err:
        return Check(name, FAIL, str(err))
    return Check(name, PASS if ok else FAIL, detail)


def render(checks: list[Check]) -> str:
    width = max([len(c.name) for c in checks] + [5])
    lines = [f"{'CHECK':<{width}}  {'RESULT':<11}  DETAIL"]
    lines += [f"{c.name:<{width}}  {c.status:<11}  {c.detail}" for c in checks]
    return "\n".join(lines)


def exit_code(checks: list[Check]) -> int:
    statuses = {c.status for c in checks}
    if UNREACHABLE in statuses:
        return 2
    return 1 if FAIL in statuses else 0
