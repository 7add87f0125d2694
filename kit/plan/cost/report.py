"""The cost of a planned stack as Infracost prints it: one line per cost component with its
quantity, unit, hourly and monthly figures, fixed and usage-based apart, then the totals, the
telemetry the stack ingests per day, and where each price was read."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType

from components.cost_model import (
    GB,
    HOURS_PER_MONTH,
    CostComponent,
    PriceTable,
    Usage,
    load_rps,
)
from components.platforms import PLATFORMS
from kit.plan import pod_resources
from kit.plan.cost.planned import Planned
from kit.plan.cost.usage import MEASURED_BY

SECONDS_PER_DAY = 86_400


@dataclass
class Estimate:
    stack: str
    cloud: str
    rps: Decimal
    usage: Usage
    lines: list[CostComponent] = field(default_factory=list)

    def total(self, usage_based: bool | None = None) -> Decimal:
        """Monthly USD of the priced lines (fixed, usage-based, or both when None)."""
        return sum(
            (
                c.monthly
                for c in self.lines
                if c.monthly is not None and usage_based in (None, c.usage_based)
            ),
            Decimal(0),
        )

    @property
    def unpriced(self) -> list[CostComponent]:
        return [c for c in self.lines if c.price is None]

    @property
    def ingested_gb_per_day(self) -> tuple[Decimal, Decimal]:
        """(logs, spans) the sample app sends to the cloud's stores per day, GB."""
        requests = self.rps * SECONDS_PER_DAY
        return (
            requests * self.usage.log_bytes_per_request / GB,
            requests * self.usage.span_bytes_per_request / GB,
        )


def estimate(plan: Planned, usage: Usage) -> Estimate:
    """The cost components the cloud's platform reads from the plan (none on local)."""
    found = Estimate(plan.stack, plan.cloud, load_rps(plan), usage)
    costs = _costs(plan.cloud)
    if costs:
        found.lines = costs.components(plan, usage)
    return found


def price_tables() -> list[PriceTable]:
    """Each cloud's pinned prices (its platform's `costs` module)."""
    return [costs.PRICES for costs in map(_costs, PLATFORMS) if costs]


def _costs(cloud: str) -> ModuleType | None:
    """The platform's `costs` module; None for a cloud that bills nothing (local)."""
    module = PLATFORMS[cloud].rpartition(".")[0] + ".costs"
    return importlib.import_module(module) if importlib.util.find_spec(module) else None


def render(found: Estimate) -> str:
    cloud = "" if found.stack == found.cloud else f" (cloud {found.cloud})"
    head = f"cost of stack {found.stack}{cloud}, load {found.rps:f} requests/s"
    if not found.lines:
        return f"{head}: nothing billable (the cluster is yours)"
    rows = [head, _row("component", "quantity", "unit", "$/hour", "$/month")]
    notes: list[str] = []
    for usage_based, title in ((False, "fixed"), (True, "usage-based (monthly quantity)")):
        rows.append(title)
        for c in (c for c in found.lines if c.usage_based == usage_based):
            mark = ""
            if c.note:
                notes += [c.note] if c.note not in notes else []
                mark = f" [{notes.index(c.note) + 1}]"
            rows.append(_component(c, mark))
    fixed, used, both = found.total(False), found.total(True), found.total()
    rows.append(
        f"total: fixed ${fixed / HOURS_PER_MONTH:.4f}/hour (${fixed:.2f}/month), usage-based "
        f"${used / HOURS_PER_MONTH:.4f}/hour (${used:.2f}/month), all "
        f"${both / HOURS_PER_MONTH:.4f}/hour (${both:.2f}/month)"
    )
    if found.unpriced:
        rows.append(
            "not in the totals, no price found: " + ", ".join(c.name for c in found.unpriced)
        )
    logs, spans = found.ingested_gb_per_day
    rows.append(
        f"telemetry to the cloud per day: {logs + spans:.4f} GB ({logs:.4f} GB sample-app logs, "
        f"{spans:.4f} GB spans), from the usage defaults measured by {MEASURED_BY} unless "
        "--usage says otherwise; other pods' logs and control-plane logs are not counted"
    )
    rows += [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
    rows.append("prices (USD, list):")
    rows += sorted({f"  {c.price.item}: {c.price}" for c in found.lines if c.price})
    return "\n".join(rows)


def resources(plan: Planned) -> str:
    """What the pods request and are limited to, per namespace (kit/plan/pod_resources.py)."""
    nodes = pod_resources.stack_nodes(plan.cloud, _nodes(plan))
    return pod_resources.pod_resources(plan.objects, nodes).render()


def _nodes(plan: Planned) -> int:
    costs = _costs(plan.cloud)
    return costs.nodes(plan) if costs else 0


def _component(c: CostComponent, mark: str) -> str:
    if c.monthly is None:
        hourly = monthly = "no price"
    else:
        hourly, monthly = f"{c.hourly:.4f}", f"{c.monthly:.2f}"
    quantity = f"{c.monthly_quantity if c.usage_based else c.quantity:.4g}"
    free = f" ({c.free_units:f} free)" if c.free_units else ""
    return _row(f"  {c.name}{mark}", quantity + free, c.unit, hourly, monthly)


def _row(name: str, quantity: str, unit: str, hourly: str, monthly: str) -> str:
    return f"{name:<58} {quantity:>16} {unit:<24} {hourly:>9} {monthly:>9}"
