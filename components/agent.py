"""The bundled collector agent in the cluster: node DaemonSet, cluster Deployment and, where
Fargate exists, the sidecar's ConfigMap in the app namespace (agent/ builds them as data)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

import agent
from components import k8s_objects


@dataclass(frozen=True)
class AgentArgs:
    """Where the agent runs and where it sends each signal."""

    namespace: str
    cloud: agent.Cloud
    backends: agent.Backends
    # Fargate: the cluster agent also scrapes Fargate kubelets and receives the sidecars' OTLP,
    # and the sidecar ConfigMap goes into the app namespace.
    fargate_namespace: str | None = None


class Agent(pulumi.ComponentResource):
    """Registers every object of every agent mode as a typed Kubernetes resource."""

    def __init__(self, name: str, args: AgentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:agent:Agent", name, None, opts)
        fargate = args.fargate_namespace is not None
        objects = agent.node_agent_manifests(args.namespace, args.backends, args.cloud)
        objects += agent.cluster_agent_manifests(args.namespace, args.backends, args.cloud, fargate)
        if args.fargate_namespace is not None:
            objects += agent.fargate_sidecar_manifests(args.fargate_namespace, args.namespace)
        child = pulumi.ResourceOptions(parent=self)
        self.objects = [k8s_objects.create(obj, child) for obj in objects]
        self.register_outputs({"objects": len(self.objects)})
