"""GOMEMLIMIT for a container's memory limit: kubernetes.utils.parse_quantity reads quantities
everywhere in the kit, and this is the one step it does not do (a Go value derived from one)."""

from __future__ import annotations

import math
from decimal import Decimal

from kubernetes.utils import parse_quantity

MIB = 2**20


def gomemlimit(memory_limit: str, fraction: Decimal = Decimal("0.8")) -> str:
    """GOMEMLIMIT for a container limit: 80 % leaves the Go runtime headroom to collect
    garbage before the kernel's OOM killer acts (collector and chart convention)."""
    return f"{math.floor(parse_quantity(memory_limit) * fraction / MIB)}MiB"
