"""Quantities are read by kubernetes.utils.parse_quantity (a Decimal, exact); what the kit adds
on top, GOMEMLIMIT and Fargate's per-container rounding, is pinned here."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agent.quantities import gomemlimit
from components.platforms.eks.fargate_sizing import PodRequest, pod_request


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("256Mi", "204MiB"),  # 204.8 MiB, rounded down: below the limit, never above
        ("1Gi", "819MiB"),
        ("1.5Gi", "1228MiB"),
        ("1G", "762MiB"),  # decimal suffix: 10**9 bytes
        ("536870912", "409MiB"),  # plain bytes
    ],
)
def test_gomemlimit_is_80_percent_in_whole_mib(limit, expected):
    assert gomemlimit(limit) == expected


def test_gomemlimit_refuses_what_is_not_a_quantity():
    with pytest.raises(ValueError):
        gomemlimit("256MB")


def test_pod_request_reads_cpu_and_memory_in_any_notation():
    def container(cpu: str, memory: str) -> dict:
        return {"resources": {"requests": {"cpu": cpu, "memory": memory}}}

    request = pod_request([container("0.25", "0.5Gi"), container("100m", "128M")])
    assert request == PodRequest(
        millicores=350, memory_mib=Decimal(512) + Decimal(128 * 10**6) / 2**20
    )
    # each container is rounded up to a whole millicore, as the scheduler does
    assert pod_request([container("0.0001", "1Mi")]).millicores == 1
