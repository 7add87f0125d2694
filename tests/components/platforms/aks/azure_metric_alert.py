"""An Azure Monitor static-threshold metric alert, evaluated over sample series as Azure Monitor
evaluates it: every `evaluationFrequency`, each time series that the criterion's dimensions
select (one series per combination of selected values; `*` = every value present) is aggregated
over the last `windowSize` with `timeAggregation` and compared with `operator`/`threshold`
(learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule).
Dimension values compare case-insensitively: AKS reports status as both `true` and `True`
(MicrosoftDocs/azure-docs#25286, docs/agent_facts.md section 8).
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass

AGGREGATE = {
    "Average": statistics.fmean,
    "Minimum": min,
    "Maximum": max,
    "Total": sum,
    "Count": len,
}
COMPARE = {
    "GreaterThan": lambda v, t: v > t,
    "GreaterThanOrEqual": lambda v, t: v >= t,
    "LessThan": lambda v, t: v < t,
    "LessThanOrEqual": lambda v, t: v <= t,
    "Equals": lambda v, t: v == t,
}


@dataclass(frozen=True)
class Series:
    """One metric time series: namespace, name, dimensions, and a value per minute."""

    namespace: str
    metric: str
    dimensions: dict[str, str]
    values: dict[int, float]  # minute -> value


def minutes(duration: str) -> int:
    """PT1M, PT5M, PT1H... as minutes (the durations metric alerts accept)."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", duration)
    if not match:
        raise ValueError(f"unsupported duration {duration!r}")
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def firing(alert: dict, series: list[Series], now: int) -> list[dict[str, str]]:
    """The dimension combinations whose aggregated window breaches, at minute `now`
    (the window is the `windowSize` minutes ending at `now`)."""
    (criterion,) = alert["criteria"]["allOf"]
    window = range(now - minutes(alert["windowSize"]) + 1, now + 1)
    ours = [
        s
        for s in series
        if (s.namespace, s.metric) == (criterion["metricNamespace"], criterion["metricName"])
    ]
    fired = []
    for combination in _combinations(criterion.get("dimensions", []), ours):
        points = [
            value
            for s in ours
            if all(_same(s.dimensions.get(k, ""), v) for k, v in combination.items())
            for minute, value in s.values.items()
            if minute in window
        ]
        aggregate = AGGREGATE[criterion["timeAggregation"]]
        if points and COMPARE[criterion["operator"]](aggregate(points), criterion["threshold"]):
            fired.append(combination)
    return fired


def _combinations(dimensions: list[dict], series: list[Series]) -> list[dict[str, str]]:
    choices = []
    for dimension in dimensions:
        name, values = dimension["name"], dimension["values"]
        present = sorted({s.dimensions.get(name, "") for s in series}, key=str.lower)
        if dimension.get("operator", "Include") == "Exclude":
            chosen = [p for p in present if not any(_same(p, v) for v in values)]
        elif "*" in values:
            chosen = present
        else:
            chosen = [p for p in present if any(_same(p, v) for v in values)]
        choices.append([(name, value) for value in chosen])
    return [dict(pairs) for pairs in itertools.product(*choices)]


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()
