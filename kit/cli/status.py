"""`kit status`: the kit's pods ready per node, every workload the stack runs present and ready
(kit/cli/workloads.py: the operator's Prometheus and Alertmanager too, which no pod shows missing),
the node agent on every VM node and the collector sidecar in every Fargate pod. Exit 1 when
anything is not as it should be. Also names what the cluster runs outside the kit's namespaces
that the kit duplicates (kit/cli/duplicates.py), with what to do: advice, not a failure."""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import dataclass, field

from agent.k8s import CONTAINER_NAME as COLLECTOR_CONTAINER
from agent.labels import FARGATE_LABEL
from agent.node_agent import NODE_AGENT
from components.names import APP_NAMESPACE, NODE_NAMESPACE
from kit.cli import checks_workloads, duplicates
from kit.cli.kube import (
    KIT_NAMESPACES,
    Kube,
    cloud_of,
    connect,
    is_fargate,
)
from kit.cli.workloads import Workload

NAME_LABEL = "app.kubernetes.io/name"
_POD_SUFFIX = re.compile(r"(-[a-z0-9]{8,10})?-[a-z0-9]{5}\Z|-[0-9]+\Z", re.ASCII)


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    duplicates: list[duplicates.Duplicate] = field(default_factory=list)

    def render(self) -> str:
        header = ("NAMESPACE", "COMPONENT", "NODE", "READY")
        table = [header, *self.rows]
        widths = [max(len(r[i]) for r in table) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
        if self.problems:
            lines += ["", "Problems:"] + [f"  - {p}" for p in self.problems]
        else:
            lines += [
                "",
                "All kit workloads present and their pods ready; node agent on every VM node; "
                "sidecars in place.",
            ]
        if self.duplicates:
            lines += [
                "",
                "Already in the cluster, outside the kit's namespaces (one source each is enough):",
            ]
            lines += [f"  - {d}" for d in self.duplicates]
        return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    kube = connect(args)
    report = assess(kube, args.stack)
    print(report.render())
    return 1 if report.problems else 0


def assess(kube: Kube, stack: str | None = None) -> Report:
    nodes = kube.nodes()
    expected = checks_workloads.for_stack(stack or kube.outputs.get("cloud") or cloud_of(nodes))
    pods = {
        ns: kube.core.list_namespaced_pod(ns, _request_timeout=10).items for ns in KIT_NAMESPACES
    }
    found = checks_workloads.present(kube, {w.namespace for w in expected})
    report = Report()
    _pods_per_node(pods, report)
    _workloads(expected, found, report)
    if ("DaemonSet", NODE_NAMESPACE, NODE_AGENT) in found:  # else the line above says it is missing
        _node_agent(nodes, pods[NODE_NAMESPACE], report)
    _fargate_sidecars(pods[APP_NAMESPACE], report)
    report.duplicates = duplicates.find(kube)
    return report


def component_of(pod) -> str:
    labels = pod.metadata.labels or {}
    return labels.get(NAME_LABEL) or labels.get("app") or _POD_SUFFIX.sub("", pod.metadata.name)


def is_ready(pod) -> bool:
    conditions = (pod.status.conditions if pod.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def _pods_per_node(pods: dict[str, list], report: Report) -> None:
    for namespace, items in pods.items():
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for pod in items:
            if pod.status and pod.status.phase == "Succeeded":
                continue
            groups[(component_of(pod), pod.spec.node_name or "(unscheduled)")].append(pod)
        for (component, node), members in sorted(groups.items()):
            ready = sum(is_ready(p) for p in members)
            report.rows.append((namespace, component, node, f"{ready}/{len(members)}"))
            for pod in members:
                if not is_ready(pod):
                    report.problems.append(
                        f"{namespace}/{pod.metadata.name} on {node} is not ready ({_why(pod)})"
                    )


def _why(pod) -> str:
    for status in (pod.status.container_statuses if pod.status else None) or []:
        waiting = status.state.waiting if status.state else None
        if waiting and waiting.reason:
            return f"{status.name}: {waiting.reason}"
    return pod.status.phase if pod.status else "no status"


def _workloads(expected: list[Workload], found: checks_workloads.Found, report: Report) -> None:
    for workload, wrong in checks_workloads.gaps(expected, found):
        report.problems.append(f"{workload}: {wrong}")


def _node_agent(nodes: list, agent_pods: list, report: Report) -> None:
    covered = {
        p.spec.node_name
        for p in agent_pods
        if (p.metadata.labels or {}).get(NAME_LABEL) == NODE_AGENT and is_ready(p)
    }
    for node in nodes:
        if not is_fargate(node) and node.metadata.name not in covered:
            report.problems.append(f"node {node.metadata.name} has no ready {NODE_AGENT} pod")


def _fargate_sidecars(app_pods: list, report: Report) -> None:
    ((key, value),) = FARGATE_LABEL.items()
    for pod in app_pods:
        if (pod.metadata.labels or {}).get(key) != value:
            continue
        statuses = {
            s.name: s for s in (pod.status.container_statuses if pod.status else None) or []
        }
        sidecar = statuses.get(COLLECTOR_CONTAINER)
        if sidecar is None:
            report.problems.append(f"Fargate pod {pod.metadata.name} has no collector sidecar")
        elif not sidecar.ready:
            report.problems.append(f"Fargate pod {pod.metadata.name}: sidecar not ready")
