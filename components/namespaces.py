"""The kit's namespaces, each labelled with the Pod Security level its workloads need."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components import versions
from components.labels import kit_labels


@dataclass(frozen=True)
class NamespaceSpec:
    """One namespace and the Pod Security Standard it enforces."""

    name: str
    component: str
    # privileged: node-level collectors (hostPath, root) and node-exporter (host network/PID);
    # restricted: everything that does not need the node, i.e. the sample app.
    pod_security: str


MONITORING = NamespaceSpec("o11y-monitoring", "monitoring", "privileged")
AGENT = NamespaceSpec("o11y-agent", "agent", "privileged")
APP = NamespaceSpec("o11y-app", "sample-app", "restricted")
ALL = (MONITORING, AGENT, APP)


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
        "pod-security.kubernetes.io/warn": spec.pod_security,
        "pod-security.kubernetes.io/warn-version": level_version,
    }
