"""The bundled collector agent in the cluster: node DaemonSet, cluster Deployment and whatever
the platform's patch adds (agent/ builds them all as data; agent/cloud_patch.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

import agent
from agent.labels import kit_labels
from components import k8s_objects, options
from components.monitoring import Endpoints


@dataclass(frozen=True)
class AgentArgs:
    """Where the agent runs, where it sends each signal, and the platform's patch."""

    namespace: str  # the cluster agent's (baseline)
    node_namespace: str  # the node agent's: hostPath logs and state, as root (privileged)
    backends: agent.Backends
    patch: agent.CloudPatch = agent.CloudPatch()


class Agent(pulumi.ComponentResource):
    """Registers every object of every agent mode as a typed Kubernetes resource."""

    def __init__(self, name: str, args: AgentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:agent:Agent", name, None, opts)
        patch = args.patch
        objects = agent.node_agent_manifests(args.node_namespace, args.backends, patch.node)
        objects += agent.cluster_agent_manifests(args.namespace, args.backends, patch.cluster)
        objects += patch.manifests
        child = options.children(self, opts)
        secrets = [
            k8s.core.v1.Secret(
                f"{name}-{secret}" + ("" if namespace == args.namespace else f"-{namespace}"),
                metadata={
                    "name": secret,
                    "namespace": namespace,
                    "labels": kit_labels(secret, "agent"),
                },
                string_data={k: pulumi.Output.secret(v) for k, v in data.items()},
                type="Opaque",
                opts=child,
            )
            for secret, data in patch.secrets.items()
            for namespace in _namespaces_reading(secret, objects)
        ]
        after_secrets = child.merge(pulumi.ResourceOptions(depends_on=secrets))
        self.objects = [k8s_objects.create(obj, after_secrets) for obj in objects]
        self.register_outputs({"objects": len(self.objects)})


def _namespaces_reading(secret: str, objects: list[dict[str, Any]]) -> list[str]:
    """Namespaces of the workloads whose containers take env from `secret`."""
    readers = set()
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            refs = [
                e.get("valueFrom", {}).get("secretKeyRef", {}) for e in container.get("env", [])
            ]
            refs += [e.get("secretRef", {}) for e in container.get("envFrom", [])]
            if any(ref.get("name") == secret for ref in refs):
                readers.add(obj["metadata"]["namespace"])
    return sorted(readers)


def node_otlp_http_url(namespace: str) -> str:
    """Where pods on VM nodes send OTLP/HTTP: the node agent's Service, which
    internalTrafficPolicy: Local keeps on the sender's own node."""
    return f"http://{agent.NODE_AGENT}.{namespace}.svc.cluster.local:4318"


def in_cluster_backends(endpoints: Endpoints) -> agent.Backends:
    """Where every stack's agent sends each signal: the in-cluster monitoring backends."""
    return agent.Backends(
        prometheus_otlp_url=endpoints.prometheus_otlp,
        trace_otlp_grpc_endpoint=endpoints.tempo_otlp_grpc,
        loki_otlp_url=endpoints.loki_otlp,
    )


def build(
    namespaces: tuple[str, str],
    backends: agent.Backends,
    patch: agent.CloudPatch,
    opts: pulumi.ResourceOptions,
) -> Agent:
    """The stack's agent; `namespaces` is (agent, node), `patch` the platform's additions."""
    agent_namespace, node_namespace = namespaces
    return Agent(
        "agent",
        AgentArgs(
            namespace=agent_namespace, node_namespace=node_namespace, backends=backends, patch=patch
        ),
        opts=opts,
    )
