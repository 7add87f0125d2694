"""Shared fixtures: offline evaluations of the real program under the recording mock engine.

The engine itself lives in kit/plan/offline.py (token constants, camelCase mocked outputs for
clusters, identities and invokes) because `python -m kit plan` uses it too; the tests therefore
assert on exactly what `plan` writes out. Each stack file is evaluated once per session.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kit.plan import offline  # noqa: E402

# The e2e / live / slow tiers (tests/tiers.py).
pytest_plugins = ["tests.tiers"]

# The pinned chart packages next to the repository (as in CI), unless a cache is chosen.
SHARED_CHARTS = Path(__file__).resolve().parents[2] / "shared" / "charts"
if SHARED_CHARTS.is_dir():
    os.environ.setdefault("KIT_CHART_CACHE", str(SHARED_CHARTS))

_cache: dict[str, offline.Evaluation] = {}


def pytest_configure(config):
    """CI never rewrites golden files: a run that would is refused before any test starts."""
    if os.environ.get("UPDATE_GOLDEN") == "1" and os.environ.get("CI"):
        raise pytest.UsageError("UPDATE_GOLDEN=1 is refused when CI is set")


@pytest.fixture
def evaluated():
    """evaluated(stack) -> the Evaluation of that stack file as committed (cached)."""

    def get(stack: str) -> offline.Evaluation:
        if stack not in _cache:
            _cache[stack] = offline.evaluate(stack)
        return _cache[stack]

    return get


@pytest.fixture
def evaluate():
    """evaluate(stack, **overrides) -> a fresh Evaluation with config keys overridden."""

    def run(stack: str, **overrides) -> offline.Evaluation:
        return offline.evaluate(stack, overrides)

    return run
