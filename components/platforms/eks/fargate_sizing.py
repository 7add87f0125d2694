"""What a pod costs on EKS Fargate: the size AWS provisions and bills for it.

Rules (EKS user guide, fargate-pod-configuration; agent_facts.md §9): take the larger of the
biggest init container and the sum of the long-running containers, per resource; add 256 MB for
kubelet, kube-proxy and containerd; round up to the smallest vCPU/memory combination of the
table that fits both. GB in that table are GiB-based (0.5 GB = 512 MiB, as in ECS task sizes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kubernetes.utils import parse_quantity

from agent.quantities import MIB

FARGATE_OVERHEAD_MIB = 256


def _range(low: int, high: int, step: int) -> tuple[Decimal, ...]:
    return tuple(Decimal(gb) for gb in range(low, high + 1, step))


# vCPU -> memory sizes (GB) Fargate offers with it.
FARGATE_SIZES: tuple[tuple[Decimal, tuple[Decimal, ...]], ...] = (
    (Decimal("0.25"), (Decimal("0.5"), Decimal(1), Decimal(2))),
    (Decimal("0.5"), _range(1, 4, 1)),
    (Decimal(1), _range(2, 8, 1)),
    (Decimal(2), _range(4, 16, 1)),
    (Decimal(4), _range(8, 30, 1)),
    (Decimal(8), _range(16, 60, 4)),
    (Decimal(16), _range(32, 120, 8)),
)


@dataclass(frozen=True)
class FargateSize:
    vcpu: Decimal
    memory_gb: Decimal

    def __str__(self) -> str:
        return f"{self.vcpu.normalize():f} vCPU / {self.memory_gb.normalize():f} GB"


def round_up(vcpu: Decimal, memory_mib: Decimal) -> FargateSize:
    """Smallest Fargate combination with at least `vcpu` and `memory_mib` (overhead included)."""
    memory_gb = memory_mib / 1024
    for cpu, memories in FARGATE_SIZES:
        if cpu < vcpu:
            continue
        for memory in memories:
            if memory >= memory_gb:
                return FargateSize(cpu, memory)
    raise ValueError(f"{vcpu} vCPU / {memory_gb} GB exceeds the largest Fargate size")


@dataclass(frozen=True)
class PodRequest:
    millicores: int
    memory_mib: Decimal


def pod_request(containers: Iterable[dict], init_containers: Iterable[dict] = ()) -> PodRequest:
    """Per resource: max(largest init container, sum of containers), from requests."""

    def cpu(c: dict) -> int:  # millicores, each container's rounded up as the scheduler does
        return math.ceil(parse_quantity(c["resources"]["requests"]["cpu"]) * 1000)

    def mem(c: dict) -> Decimal:
        return parse_quantity(c["resources"]["requests"]["memory"]) / MIB

    containers, init_containers = list(containers), list(init_containers)
    return PodRequest(
        millicores=max([sum(map(cpu, containers)), *map(cpu, init_containers)]),
        memory_mib=max([sum(map(mem, containers), Decimal(0)), *map(mem, init_containers)]),
    )


def billed_size(pod_spec: dict) -> FargateSize:
    """The size Fargate provisions for `pod_spec` (every container must state requests)."""
    request = pod_request(pod_spec["containers"], pod_spec.get("initContainers", ()))
    return round_up(Decimal(request.millicores) / 1000, request.memory_mib + FARGATE_OVERHEAD_MIB)
