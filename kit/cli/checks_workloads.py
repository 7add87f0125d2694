"""The workloads a stack should run (kit/cli/workloads.py) against what the cluster has: each one
missing or short of ready pods is one gap, naming kind, namespace/name and who makes it."""

from __future__ import annotations

from collections.abc import Iterable

from kubernetes.client.exceptions import ApiException

from kit.cli import workloads
from kit.cli.checks import FAIL, PASS, Check
from kit.cli.errors import KitError
from kit.cli.kube import Kube
from kit.cli.workloads import Workload

Found = dict[tuple[str, str, str], object]  # (kind, namespace, name) -> the API's object


def for_stack(stack: str) -> list[Workload]:
    """What `stack` runs, by its file: --stack's, else the stack named after the cluster's
    cloud (make up STACK=local|aks|eks)."""
    try:
        return workloads.expected(workloads.shape_of(stack))
    except (OSError, ValueError) as err:
        raise KitError(f"which workloads stack {stack} runs is unknown: {err}") from None


def present(kube: Kube, namespaces: Iterable[str]) -> Found:
    """Every Deployment, DaemonSet and StatefulSet in `namespaces` (a namespace that does not
    exist has none)."""
    listings = {
        "Deployment": kube.apps.list_namespaced_deployment,
        "DaemonSet": kube.apps.list_namespaced_daemon_set,
        "StatefulSet": kube.apps.list_namespaced_stateful_set,
    }
    found: Found = {}
    for namespace in sorted(set(namespaces)):
        for kind, listing in listings.items():
            try:
                items = listing(namespace, _request_timeout=10).items
            except ApiException as err:
                if err.status != 404:
                    raise
                items = []
            found.update({(kind, namespace, obj.metadata.name): obj for obj in items})
    return found


def gaps(expected: list[Workload], found: Found) -> list[tuple[Workload, str]]:
    """(workload, what is wrong) for each expected workload missing or not fully ready."""
    wrong = []
    for workload in expected:
        obj = found.get((workload.kind, workload.namespace, workload.name))
        if obj is None:
            wrong.append((workload, f"missing; {workload.hint}"))
            continue
        ready, desired = readiness(workload.kind, obj)
        if ready < desired:
            wrong.append((workload, f"{ready} of {desired} pods ready"))
    return wrong


def readiness(kind: str, obj) -> tuple[int, int]:
    """(ready pods, desired pods) as the workload's controller reports them."""
    if kind == "DaemonSet":
        return _count(obj.status, "number_ready"), _count(obj.status, "desired_number_scheduled")
    replicas = obj.spec.replicas if obj.spec else None
    return _count(obj.status, "ready_replicas"), 1 if replicas is None else replicas


def _count(status, name: str) -> int:
    return getattr(status, name, None) or 0


def checks(kube: Kube, expected: list[Workload]) -> list[Check]:
    """verify's rows: one FAIL per gap, else one PASS for them all."""
    wrong = gaps(expected, present(kube, (w.namespace for w in expected)))
    if not wrong:
        detail = f"all {len(expected)} Deployments, DaemonSets and StatefulSets present and ready"
        return [Check("kubernetes: the stack's workloads", PASS, detail)]
    return [Check(f"kubernetes: {workload}", FAIL, what) for workload, what in wrong]
