"""The kit's namespaces, each labelled with the Pod Security level its workloads need: the lowest
that admits them (`python -m kit plan` checks every pod template against it with the official
evaluator, kit/plan/checks/pod_security.py), and `restricted` as the warn level wherever it is
not enforced, so what still falls short of it is said on every apply."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from agent.labels import kit_labels
from components import versions
from components.names import (
    AGENT_NAMESPACE,
    APP_NAMESPACE,
    MONITORING_NAMESPACE,
    NODE_NAMESPACE,
)


@dataclass(frozen=True)
class NamespaceSpec:
    """One namespace and the Pod Security Standard it enforces."""

    name: str
    component: str
    pod_security: str  # the enforced level
    warn: str = "restricted"


# Grafana, Prometheus, Alertmanager, the operator, kube-state-metrics, Loki, Tempo: no host
# access; baseline enforced (restricted warns where a chart's pods still fall short of it).
MONITORING = NamespaceSpec(MONITORING_NAMESPACE, "monitoring", "baseline")
# Only what must reach the node: node-exporter (host network and PID, root filesystem), the
# node agent (hostPath logs and checkpoints, as root) and on eks Container Insights (host
# network, read-only host paths, as root). Warning here would only repeat that.
NODE = NamespaceSpec(NODE_NAMESPACE, "node", "privileged", warn="privileged")
# The cluster agent (a Deployment reading the API, no host access).
AGENT = NamespaceSpec(AGENT_NAMESPACE, "agent", "baseline")
APP = NamespaceSpec(APP_NAMESPACE, "sample-app", "restricted")
ALL = (MONITORING, NODE, AGENT, APP)


@dataclass(frozen=True)
class KitNamespacesArgs:
    """Which namespaces to create."""

    namespaces: tuple[NamespaceSpec, ...] = ALL


class KitNamespaces(pulumi.ComponentResource):
    """Creates the namespaces; other components take their names from `self.names`, which makes
    every namespaced object depend on its namespace being there first."""

    names: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: KitNamespacesArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("o11y-kit:core:Namespaces", name, None, opts)
        self.names = {}
        for spec in args.namespaces:
            ns = k8s.core.v1.Namespace(
                f"{name}-{spec.component}",
                metadata={"name": spec.name, "labels": _labels(spec)},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.names[spec.component] = ns.metadata.name
        self.register_outputs({"names": self.names})


def _labels(spec: NamespaceSpec) -> dict[str, str]:
    level_version = f"v{versions.K8S_OLDEST}"
    return {
        **kit_labels(spec.name, spec.component),
        "pod-security.kubernetes.io/enforce": spec.pod_security,
        "pod-security.kubernetes.io/enforce-version": level_version,
        "pod-security.kubernetes.io/warn": spec.warn,
        "pod-security.kubernetes.io/warn-version": level_version,
    }
