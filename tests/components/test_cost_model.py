"""The pinned price tables: every figure sourced and dated, a region they do not list priced from
the nearest one that does (and saying so), an item no region lists left unpriced."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from components.cost_model import CostComponent, PriceTable, line
from components.platforms.aks.costs import PRICES as AKS_PRICES
from components.platforms.eks.costs import PRICES as EKS_PRICES

TABLE = """
cloud: test
regions:
  tokyo: {latLon: [35.7, 139.7]}
  osaka: {latLon: [34.7, 135.5]}
  virginia: {latLon: [38.9, -77.5]}
prices:
  vm:
    unit: VM-hour
    regions:
      osaka: {usd: 0.2, source: "https://example.test/osaka", read: 2026-12-05}
      virginia: {usd: 0.1, source: "https://example.test/virginia", read: 2026-12-05}
free_tier:
  vm: 100
"""


@pytest.fixture
def table(tmp_path) -> PriceTable:
    path = tmp_path / "prices.yaml"
    path.write_text(TABLE)
    return PriceTable(path)


def test_a_region_not_listed_takes_the_nearest_listed_price_and_says_so(table):
    price, note = table.price("vm", "tokyo")
    assert (price.region, price.value) == ("osaka", Decimal("0.2"))  # not the cheaper Virginia
    assert note == "tokyo not in the price table: osaka price"
    assert table.price("vm", "virginia") == (table.prices["vm"]["virginia"], "")


def test_an_item_or_region_the_table_cannot_place_is_left_unpriced(table):
    assert table.price("disk", "tokyo") == (None, "no price found for disk")
    price, note = table.price("vm", "mars")
    assert price is None and "mars is not in the price table's list of regions" in note


def test_a_line_takes_the_free_tier_off_and_an_unpriced_line_adds_nothing(table):
    vms = line(table, "virginia", "vm", "cluster", "nodes", 2, "hour")
    assert vms.monthly == (2 * 730 - 100) * Decimal("0.1")
    assert vms.hourly == vms.monthly / 730
    disk = line(table, "virginia", "disk", "cluster", "disks", 2, "hour", unit="disk-hour")
    assert (disk.monthly, disk.hourly, disk.unit) == (None, None, "disk-hour")
    assert isinstance(disk, CostComponent) and disk.note == "no price found for disk"


@pytest.mark.parametrize("prices", [EKS_PRICES, AKS_PRICES], ids=["eks", "aks"])
def test_every_pinned_figure_names_its_source_and_the_date_it_was_read(prices):
    for price in prices.all_prices():
        assert price.source.strip(), price.item
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.read), price.item
        assert price.region in prices.locations, price.item
