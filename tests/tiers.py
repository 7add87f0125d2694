"""The suite's tiers (markers registered in pyproject.toml), as a plugin tests/conftest.py loads.

- `e2e` (tests/e2e, `make e2e`) runs only when `-m` names it: any other `-m`, or none, leaves
  it out, so a developer's `-m "not live"` needs no `and not e2e`.
- `live`: the test starts another program or binds a socket (the collector, promtool,
  prometheus, helm, node, kube-score, the control plane, the sample app, a moto or fake server
  on loopback, `make`, `git`, a nested pytest). A test marked neither `live` nor `e2e` that does
  either fails, naming what it started, so `pytest -m "not live"` stays an offline tier.
- `slow`: more than about 5 s on an idle 2-core machine. Under pytest-xdist these start first,
  so the short tests fill in at the end instead of one long test finishing alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Audit events (docs.python.org/3/library/audit_events.html) that start a program or a server.
_STARTING = {
    "subprocess.Popen": lambda args: f"the program {_program(args[0] or args[1])}",
    "os.system": lambda args: f"the command {args[0]!r}",
    "os.posix_spawn": lambda args: f"the program {_program(args[0])}",
    "os.exec": lambda args: f"the program {_program(args[0])}",
    "os.spawn": lambda args: f"the program {_program(args[1])}",
    "socket.bind": lambda args: f"a socket bound to {args[1]!r}",
}
_started: list[str] | None = None  # what the running test started; None outside a test


def _program(command) -> str:
    if isinstance(command, (list, tuple)):
        command = command[0]
    if isinstance(command, bytes):
        command = command.decode(errors="replace")
    return Path(str(command).split(" ")[0]).name


def _audit(event: str, args: tuple) -> None:
    if _started is not None and event in _STARTING and not _importing():
        _started.append(_STARTING[event](args))


def _importing() -> bool:
    """Whether a module is being imported: what a library does then (urllib3 binds a socket to
    ::1 to learn whether IPv6 works) is no server of the test's, and happens in whichever test
    imports it first."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


sys.addaudithook(_audit)


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook (_xdist_group_suffix)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "e2e" not in (config.option.markexpr or ""):
        e2e = [item for item in items if item.get_closest_marker("e2e")]
        if e2e:
            config.hook.pytest_deselected(items=e2e)
            items[:] = [item for item in items if not item.get_closest_marker("e2e")]
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the longest tests first
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
        if getattr(config.option, "loadgroup", False):
            for item in items:
                _xdist_group_suffix(item)


def _xdist_group_suffix(item: pytest.Item) -> None:
    """--dist loadgroup sends the tests whose node ids end in `@<xdist_group>` to one worker.
    pytest-xdist 3.8 adds that suffix by setting `item._nodeid`, which pytest 9.2 no longer
    reads (node ids are structured), so the groups silently fall apart
    (github.com/pytest-dev/pytest-xdist/issues/1386): set it where pytest 9.2 keeps it. A
    pytest-xdist that adds the suffix itself makes this a no-op."""
    mark = item.get_closest_marker("xdist_group")
    if mark is None:
        return
    name = mark.args[0] if mark.args else mark.kwargs.get("name", "default")
    suffix = f"@{name}"
    if item.nodeid.endswith(suffix):
        return
    from _pytest.nodeid import NodeId

    item._id = NodeId.parse(item.nodeid + suffix)
    assert item.nodeid.endswith(suffix), "pytest changed its node ids again: see the docstring"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    global _started
    starts_things = item.get_closest_marker("live") or item.get_closest_marker("e2e")
    _started = None if starts_things else []
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    global _started
    try:
        result = yield
    finally:
        started, _started = _started, None
    if started:
        shown = ", ".join(dict.fromkeys(started))
        pytest.fail(
            f"{item.nodeid} started {shown} but is not marked live: mark it (or its module) "
            "`pytest.mark.live`, so `-m 'not live'` stays the offline tier",
            pytrace=False,
        )
    return result
