"""Fault injection: extra latency and a share of failed requests, per tier.

The environment sets a tier's standing faults (FAULT_ERROR_RATIO, FAULT_EXTRA_LATENCY_MS; what
`kit break` sets through the cluster's API); request headers override them for one request and are
forwarded downstream, so a single `curl` to middle can make back fail. The front tier, the only
one reachable from outside the cluster, neither honours nor forwards them: no outside request can
fail or slow the app, or fire the alerts and notifications behind that.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

TIER_HEADER = "x-fault-tier"
ERROR_RATIO_HEADER = "x-fault-error-ratio"
LATENCY_HEADER = "x-fault-latency-ms"
FORWARDED_HEADERS = (TIER_HEADER, ERROR_RATIO_HEADER, LATENCY_HEADER)
ALL_TIERS = "all"
EDGE_TIER = "front"
# A header may slow a request down, but not hold a connection for minutes.
MAX_LATENCY_MS = 10_000.0


@dataclass(frozen=True)
class FaultPlan:
    """What this tier does to one request on top of its normal work."""

    error_ratio: float = 0.0
    extra_latency_ms: float = 0.0

    def should_fail(self, draw: Callable[[], float] = random.random) -> bool:
        return self.error_ratio > 0 and draw() < self.error_ratio


NO_FAULT = FaultPlan()


def from_callers(tier: str, headers: Mapping[str, str]) -> Mapping[str, str]:
    """The request headers this tier may act on: none at the edge, all of them elsewhere."""
    return {} if tier == EDGE_TIER else headers


def plan_for(tier: str, standing: FaultPlan, headers: Mapping[str, str]) -> FaultPlan:
    """The standing plan, overridden by fault headers that target this tier.

    `x-fault-tier` lists tiers separated by commas; absent or `all` targets every tier. Values that
    do not parse are ignored rather than failing the request, since a typo in a demo header should
    not look like an injected fault.
    """
    targets = {t.strip() for t in headers.get(TIER_HEADER, ALL_TIERS).split(",")}
    if tier not in targets and ALL_TIERS not in targets:
        return standing
    ratio = _parse(headers.get(ERROR_RATIO_HEADER), 0.0, 1.0)
    latency = _parse(headers.get(LATENCY_HEADER), 0.0, MAX_LATENCY_MS)
    return FaultPlan(
        error_ratio=standing.error_ratio if ratio is None else ratio,
        extra_latency_ms=standing.extra_latency_ms if latency is None else latency,
    )


def forwarded(headers: Mapping[str, str]) -> dict[str, str]:
    """The fault headers to pass to the next tier unchanged."""
    return {name: headers[name] for name in FORWARDED_HEADERS if name in headers}


def _parse(raw: str | None, low: float, high: float) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    if value != value:  # NaN compares unequal to itself and would disable the clamp below
        return None
    return min(max(value, low), high)
