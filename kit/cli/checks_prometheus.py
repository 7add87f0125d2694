"""Prometheus: container metrics and the Ready condition for every node, from the sources the
kit keeps (the kubelet's cAdvisor, scraped by the chart's kubelet ServiceMonitor, which labels
each series with its `node`; kube-state-metrics), and the kit's alert rules loaded."""

from __future__ import annotations

from kit.cli.checks import Check, run_check
from kit.cli.http_json import BackendError, get_json

KUBELET_QUERY = (
    "group by (node) (container_cpu_usage_seconds_total or container_memory_working_set_bytes)"
)
CONDITION_QUERY = 'group by (node) (kube_node_status_condition{condition="Ready"})'


def instant(prometheus: str, query: str) -> list[dict]:
    doc = get_json(prometheus, "/api/v1/query", {"query": query})
    if doc.get("status") != "success":
        raise BackendError(f"query {query!r}: {doc.get('error', 'failed')}")
    return doc["data"]["result"]


def _node_names(prometheus: str, query: str) -> set[str]:
    return {r["metric"].get("node", "") for r in instant(prometheus, query)} - {""}


def _every_node(prometheus: str, query: str, nodes: list[str], what: str) -> tuple[bool, str]:
    seen = _node_names(prometheus, query)
    missing = sorted(set(nodes) - seen)
    if missing:
        return False, f"no {what} for {', '.join(missing)} ({len(seen & set(nodes))}/{len(nodes)})"
    return True, f"{len(nodes)}/{len(nodes)} nodes"


def kubelet_metrics(prometheus: str, vm_nodes: list[str]) -> Check:
    return run_check(
        "prometheus: container metrics per VM node (cAdvisor)",
        lambda: _every_node(prometheus, KUBELET_QUERY, vm_nodes, "container metrics"),
    )


def node_conditions(prometheus: str, nodes: list[str]) -> Check:
    return run_check(
        "prometheus: node Ready conditions (kube-state-metrics)",
        lambda: _every_node(prometheus, CONDITION_QUERY, nodes, "Ready condition"),
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
