"""The bundled collector agent in the cluster: node DaemonSet, cluster Deployment and, where
Fargate exists, the sidecar's ConfigMap in the app namespace (agent/ builds them as data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

import agent
from agent.labels import kit_labels
from components import k8s_objects, options
from components.monitoring import Endpoints
from components.settings import KitConfig


@dataclass(frozen=True)
class AgentArgs:
    """Where the agent runs and where it sends each signal."""

    namespace: str  # the cluster agent's (baseline)
    node_namespace: str  # the node agent's: hostPath logs and state, as root (privileged)
    cloud: agent.Cloud
    backends: agent.Backends
    # Fargate: the kubelet scraper and the sidecars' OTLP gateway run in `namespace` too, and
    # the sidecar ConfigMap goes into the app namespace.
    fargate_namespace: str | None = None
    # Secret name -> data, for cloud credentials the exporters read from env (the App Insights
    # connection string on aks); created only in the namespaces whose collectors read it.
    secrets: dict[str, dict[str, pulumi.Input[str]]] | None = None


class Agent(pulumi.ComponentResource):
    """Registers every object of every agent mode as a typed Kubernetes resource."""

    def __init__(self, name: str, args: AgentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:agent:Agent", name, None, opts)
        objects = agent.node_agent_manifests(args.node_namespace, args.backends, args.cloud)
        objects += agent.cluster_agent_manifests(args.namespace, args.backends, args.cloud)
        if args.fargate_namespace is not None:
            objects += agent.fargate_collector_manifests(args.namespace, args.backends, args.cloud)
            objects += agent.fargate_sidecar_manifests(args.fargate_namespace, args.namespace)
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
            for secret, data in (args.secrets or {}).items()
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


def build(
    config: KitConfig,
    namespaces: tuple[str, str, str],
    endpoints: Endpoints,
    workspace: Any,
    has_fargate: bool,
    opts: pulumi.ResourceOptions,
) -> Agent:
    """The stack's agent: in-cluster backends everywhere, plus the workspace's (App Insights on
    aks; CloudWatch and X-Ray with the collectors' IAM role on eks). `namespaces` is (agent,
    app, node): where Fargate exists the sidecar's ConfigMap goes into the app namespace."""
    agent_namespace, app_namespace, node_namespace = namespaces
    cloud_backends = workspace.agent_backends if workspace else None
    backends = agent.Backends(
        prometheus_otlp_url=endpoints.prometheus_otlp,
        trace_otlp_grpc_endpoint=endpoints.tempo_otlp_grpc,
        loki_otlp_url=endpoints.loki_otlp,
        azure=cloud_backends if isinstance(cloud_backends, agent.AzureBackends) else None,
        aws=cloud_backends if isinstance(cloud_backends, agent.AwsBackends) else None,
    )
    return Agent(
        "agent",
        AgentArgs(
            namespace=agent_namespace,
            node_namespace=node_namespace,
            cloud=agent.Cloud(config.cloud),
            backends=backends,
            fargate_namespace=app_namespace if has_fargate else None,
            secrets=getattr(workspace, "agent_secrets", None),
        ),
        opts=opts,
    )
