"""Prometheus: the agent's metrics for every node, and the kit's alert rules loaded.

Names are those Prometheus stores for OTLP metrics (UnderscoreEscapingWithSuffixes):
kubeletstats `k8s.node.cpu.usage` -> `k8s_node_cpu_usage`, `k8s.node.memory.working_set`
-> `k8s_node_memory_working_set_bytes`; k8s_cluster `k8s.node.condition_ready` ->
`k8s_node_condition_ready`; the promoted resource attribute `k8s.node.name` -> `k8s_node_name`.
"""

from __future__ import annotations

from kit.cli.checks import Check, run_check
from kit.cli.http_json import BackendError, get_json

KUBELET_QUERY = "group by (k8s_node_name) (k8s_node_cpu_usage or k8s_node_memory_working_set_bytes)"
CONDITION_QUERY = "group by (k8s_node_name) (k8s_node_condition_ready)"


def instant(prometheus: str, query: str) -> list[dict]:
    doc = get_json(prometheus, "/api/v1/query", {"query": query})
    if doc.get("status") != "success":
        raise BackendError(f"query {query!r}: {doc.get('error', 'failed')}")
    return doc["data"]["result"]


def _node_names(prometheus: str, query: str) -> set[str]:
    return {r["metric"].get("k8s_node_name", "") for r in instant(prometheus, query)} - {""}


def _every_node(prometheus: str, query: str, nodes: list[str], what: str) -> tuple[bool, str]:
    seen = _node_names(prometheus, query)
    missing = sorted(set(nodes) - seen)
    if missing:
        return False, f"no {what} for {', '.join(missing)} ({len(seen & set(nodes))}/{len(nodes)})"
    return True, f"{len(nodes)}/{len(nodes)} nodes"


def kubelet_metrics(prometheus: str, vm_nodes: list[str]) -> Check:
    return run_check(
        "prometheus: kubelet metrics per VM node (node agent)",
        lambda: _every_node(prometheus, KUBELET_QUERY, vm_nodes, "k8s_node_cpu_usage"),
    )


def node_conditions(prometheus: str, nodes: list[str]) -> Check:
    return run_check(
        "prometheus: node Ready conditions (cluster agent)",
        lambda: _every_node(prometheus, CONDITION_QUERY, nodes, "k8s_node_condition_ready"),
    )


def rule_groups_loaded(prometheus: str, expected: list[str]) -> Check:
    def probe() -> tuple[bool, str]:
        doc = get_json(prometheus, "/api/v1/rules")
        loaded = {g["name"] for g in doc.get("data", {}).get("groups", [])}
        missing = [name for name in expected if name not in loaded]
        if missing:
            return False, f"missing rule groups: {', '.join(missing)}"
        return True, f"{len(expected)} groups: {', '.join(expected)}"

    return run_check("prometheus: the kit's alert rules loaded", probe)
