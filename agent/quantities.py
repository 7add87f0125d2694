"""Kubernetes resource quantities as numbers, for GOMEMLIMIT and Fargate sizing."""

from __future__ import annotations

import math
from decimal import Decimal

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
MIB = 2**20


def memory_bytes(quantity: str) -> int:
    """Bytes in a memory quantity such as "256Mi", "1G" or "134217728"."""
    for suffixes in (_BINARY, _DECIMAL):
        for suffix, factor in suffixes.items():
            if quantity.endswith(suffix):
                return int(Decimal(quantity.removesuffix(suffix)) * factor)
    return int(Decimal(quantity))


def cpu_millicores(quantity: str) -> int:
    """Millicores in a CPU quantity such as "100m", "0.25" or "1" (rounded up, as the
    scheduler does)."""
    if quantity.endswith("m"):
        return int(quantity.removesuffix("m"))
    return math.ceil(Decimal(quantity) * 1000)


def gomemlimit(memory_limit: str, fraction: float = 0.8) -> str:
    """GOMEMLIMIT for a container limit: 80 % leaves the Go runtime headroom to collect
    garbage before the kernel's OOM killer acts (collector and chart convention)."""
    return f"{math.floor(memory_bytes(memory_limit) * fraction / MIB)}MiB"
