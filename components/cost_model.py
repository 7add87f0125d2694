"""What a stack costs, as Infracost models it: per resource a list of cost components, each a
unit, a quantity and a dated, sourced price; fixed costs kept apart from usage-based ones.

Pulumi-free, so each platform's `costs` module and the plan's `kit cost` share it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import yaml

HOURS_PER_MONTH = Decimal(730)  # the month Infracost and the cloud calculators use
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GB = Decimal(10**9)  # both clouds bill ingestion in decimal GB


class PlannedStack(Protocol):
    """What the cost of a stack is computed from: the offline plan (kit/plan/cost/planned.py)."""

    resources: list[Any]  # registered resources: .type, .name, .inputs
    objects: list[dict[str, Any]]  # every Kubernetes object, the kit's and the charts'


@dataclass(frozen=True)
class Price:
    """One figure of the pinned table: per `unit`, in USD, where and when it was read."""

    item: str
    value: Decimal
    unit: str
    region: str
    source: str
    read: str  # ISO date the source was read

    def __str__(self) -> str:
        return f"${self.value:f} per {self.unit} ({self.region}; {self.source}, read {self.read})"


@dataclass(frozen=True)
class Usage:
    """How much the stack is used: the measured defaults, or the user's usage file."""

    log_bytes_per_request: Decimal
    span_bytes_per_request: Decimal


@dataclass(frozen=True)
class CostComponent:
    """One line: `quantity` units per hour (fixed) or per month (usage), times `price`."""

    resource: str
    name: str
    unit: str
    quantity: Decimal
    per: str  # "hour" or "month"
    price: Price | None  # None: no price found, the line says so and adds nothing
    usage_based: bool = False
    free_units: Decimal = Decimal(0)  # per month, a free tier the price does not charge
    note: str = ""

    @property
    def monthly_quantity(self) -> Decimal:
        return self.quantity * HOURS_PER_MONTH if self.per == "hour" else self.quantity

    @property
    def monthly(self) -> Decimal | None:
        if self.price is None:
            return None
        return max(self.monthly_quantity - self.free_units, Decimal(0)) * self.price.value

    @property
    def hourly(self) -> Decimal | None:
        monthly = self.monthly
        return None if monthly is None else monthly / HOURS_PER_MONTH


class PriceTable:
    """A cloud's pinned prices per region (a YAML file in its platform folder). A region the
    table does not list takes the nearest listed region's price, and says so."""

    def __init__(self, path: Path):
        data = yaml.safe_load(path.read_text())
        self.cloud: str = data["cloud"]
        self.locations: dict[str, tuple[float, float]] = {
            region: tuple(place["latLon"]) for region, place in data["regions"].items()
        }
        self.prices: dict[str, dict[str, Price]] = {
            item: {
                region: Price(
                    item,
                    Decimal(str(p["usd"])),
                    entry["unit"],
                    region,
                    p["source"],
                    str(p["read"]),
                )
                for region, p in entry["regions"].items()
            }
            for item, entry in data["prices"].items()
        }
        self.free: dict[str, Decimal] = {
            item: Decimal(str(units)) for item, units in (data.get("free_tier") or {}).items()
        }

    def price(self, item: str, region: str) -> tuple[Price | None, str]:
        """The price of `item` in `region`, else in the nearest region listing it, with a note
        saying which; (None, why) when no region lists it."""
        listed = self.prices.get(item, {})
        if region in listed:
            return listed[region], ""
        if not listed:
            return None, f"no price found for {item}"
        here = self.locations.get(region)
        if here is None:
            return None, f"region {region} is not in the price table's list of regions"
        nearest = min(listed, key=lambda r: _distance_km(here, self.locations[r]))
        return listed[nearest], f"{region} not in the price table: {nearest} price"

    def all_prices(self) -> list[Price]:
        return [p for by_region in self.prices.values() for p in by_region.values()]


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def line(
    table: PriceTable,
    region: str,
    item: str,
    resource: str,
    name: str,
    quantity: Decimal | int,
    per: str,
    **extra: Any,
) -> CostComponent:
    """A cost component priced from `table`, noting a price borrowed from another region."""
    price, note = table.price(item, region)
    unit_if_unpriced = extra.pop("unit", "?")  # the table's unit wins where it has a price
    unit = price.unit if price else unit_if_unpriced
    notes = "; ".join(n for n in (extra.pop("note", ""), note) if n)
    free = table.free.get(item, Decimal(0))
    return CostComponent(
        resource, name, unit, Decimal(quantity), per, price, free_units=free, note=notes, **extra
    )


def pod_templates(objects: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, bool]]:
    """(workload, replicas, per node) for every Deployment, StatefulSet and DaemonSet."""
    found = []
    for obj in objects:
        kind = obj.get("kind")
        if kind in ("Deployment", "StatefulSet"):
            found.append((obj, int(obj["spec"].get("replicas", 1)), False))
        elif kind == "DaemonSet":
            found.append((obj, 1, True))
    return found


def operator_pods(objects: list[dict[str, Any]]) -> int:
    """Pods the prometheus-operator creates: `replicas` (x `shards`) per Prometheus or
    Alertmanager object, one when unset."""
    return sum(
        int(obj["spec"].get("replicas", 1)) * int(obj["spec"].get("shards", 1))
        for obj in objects
        if obj.get("kind") in ("Prometheus", "Alertmanager")
    )


def env_value(workload: Mapping[str, Any], container: str, name: str) -> str | None:
    """An environment variable of one container of a workload's pod template."""
    for c in workload["spec"]["template"]["spec"]["containers"]:
        if c["name"] == container:
            for env in c.get("env", []):
                if env["name"] == name:
                    return env.get("value")
    return None


def load_balancers(plan: PlannedStack) -> list[str]:
    return [
        f"{o['metadata'].get('namespace')}/{o['metadata']['name']}"
        for o in plan.objects
        if o.get("kind") == "Service" and o["spec"].get("type") == "LoadBalancer"
    ]


def load_rps(plan: PlannedStack) -> Decimal:
    """The load generator's request rate, as its Deployment in the plan sets it."""
    for workload, replicas, _ in pod_templates(plan.objects):
        rate = env_value(workload, "loadgen", "LOAD_RPS")
        if rate is not None:
            return Decimal(rate) * replicas
    return Decimal(0)


def of_type(plan: PlannedStack, type_: str) -> list[Any]:
    return [r for r in plan.resources if r.type == type_]


def only(plan: PlannedStack, type_: str) -> Any:
    found = of_type(plan, type_)
    if len(found) != 1:
        raise ValueError(f"the plan has {len(found)} {type_}, expected one")
    return found[0]
