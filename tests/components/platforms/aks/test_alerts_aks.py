"""The aks node-health metric alert's whole criterion (metric, namespace, dimensions, operator,
threshold, time aggregation, evaluation frequency, window) evaluated over sample series of the
AKS platform metric `kube_node_status_condition`, as the eks alarm is (test_alerts_eks.py).

The series are shaped as AKS emits them (docs/agent_facts.md section 8): one per node, condition
and status, value 1 on the node's current status and 0 on the others, one point a minute;
`status` spelled True/False/Unknown, and the deprecated `status2` (Ready/NotReady) alongside.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tests.components.platforms.aks.azure_metric_alert import Series, firing, minutes
from tests.helpers import one

METRIC_ALERT = "azure-native:monitor:MetricAlert"
NAMESPACE = "Microsoft.ContainerService/managedClusters"
METRIC = "kube_node_status_condition"
NODES = ("aks-pool-0", "aks-pool-1", "aks-pool-2")
CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
HEALTHY = {
    "Ready": "True",
    "MemoryPressure": "False",
    "DiskPressure": "False",
    "PIDPressure": "False",
}
STATUS2 = {"True": "Ready", "False": "NotReady", "Unknown": "Unknown"}
MINUTES = range(0, 30)

State = Callable[[str, int], dict[str, str]]  # (node, minute) -> condition -> status


def series(state: State) -> list[Series]:
    out = []
    for node in NODES:
        for condition in CONDITIONS:
            for status in ("True", "False", "Unknown"):
                dimensions = {"condition": condition, "status": status, "node": node}
                if condition == "Ready":
                    dimensions["status2"] = STATUS2[status]
                values = {m: float(state(node, m)[condition] == status) for m in MINUTES}
                out.append(Series(NAMESPACE, METRIC, dimensions, values))
    return out


def healthy(node: str, minute: int) -> dict[str, str]:
    return dict(HEALTHY)


def ready_is(status: str, bad_node: str, minutes: range) -> State:
    def state(node: str, minute: int) -> dict[str, str]:
        now = dict(HEALTHY)
        if node == bad_node and minute in minutes:
            now["Ready"] = status
        return now

    return state


def memory_pressure(node: str, minute: int) -> dict[str, str]:
    return {**HEALTHY, "MemoryPressure": "True"} if node == NODES[0] else dict(HEALTHY)


# (what happens, sample state, evaluation minute, nodes the alert fires for)
SCENARIOS = [
    ("all nodes Ready", healthy, 20, set()),
    ("one NotReady minute, seen at once", ready_is("False", NODES[1], range(10, 11)), 10, {1}),
    ("one NotReady minute, still inside the window", ready_is("False", NODES[1], range(10, 11)),
     14, {1}),
    ("one NotReady minute, past the window", ready_is("False", NODES[1], range(10, 11)), 15, set()),
    ("a node stopped reporting (Unknown)", ready_is("Unknown", NODES[2], range(12, 30)), 20, {2}),
    ("memory pressure on a Ready node", memory_pressure, 20, set()),
]  # fmt: skip


def fired_nodes(alert: dict, state: State, minute: int) -> set[int]:
    return {NODES.index(c["node"]) for c in firing(alert, series(state), minute)}


@pytest.fixture(scope="module")
def alert():
    from kit.plan import offline

    return one(offline.evaluate("aks"), METRIC_ALERT).inputs


def evaluated_at(alert: dict, minute: int) -> int:
    """The alert's last evaluation at or before `minute`, on its own schedule from minute 0."""
    return minute - minute % minutes(alert["evaluationFrequency"])


@pytest.mark.parametrize(
    ("what", "state", "minute", "nodes"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_the_alert_fires_for_not_ready_or_unknown_nodes_only(alert, what, state, minute, nodes):
    assert fired_nodes(alert, state, evaluated_at(alert, minute)) == nodes


def _set(path: tuple, value) -> Callable[[dict], None]:
    def mutate(alert: dict) -> None:
        target = alert
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


CRITERION = ("criteria", "allOf", 0)
WRONG = {
    "metric": _set((*CRITERION, "metricName"), "kube_node_status_ready"),
    "namespace": _set((*CRITERION, "metricNamespace"), "Microsoft.Compute/virtualMachines"),
    "status values": _set((*CRITERION, "dimensions", 1, "values"), ["false"]),  # misses Unknown
    "condition": _set((*CRITERION, "dimensions", 0, "values"), ["*"]),  # pressure counts too
    "operator": _set((*CRITERION, "operator"), "LessThan"),
    "threshold": _set((*CRITERION, "threshold"), 0.5),  # a one-minute blip averages 0.2
    "aggregation": _set((*CRITERION, "timeAggregation"), "Minimum"),
    "window": _set(("windowSize",), "PT1M"),
    "frequency": _set(("evaluationFrequency",), "PT15M"),
}


def _outcomes(alert: dict) -> list[set[int]]:
    return [
        fired_nodes(alert, state, evaluated_at(alert, minute)) for _, state, minute, _ in SCENARIOS
    ]


def test_each_part_of_the_criterion_matters(alert):
    """Changing any one part of the criterion changes what fires in some scenario, so the
    scenarios pin the whole criterion, not a spot check."""
    expected = [nodes for *_, nodes in SCENARIOS]
    assert _outcomes(alert) == expected
    for part, mutate in WRONG.items():
        wrong = copy.deepcopy(alert)
        mutate(wrong)
        assert _outcomes(wrong) != expected, part
