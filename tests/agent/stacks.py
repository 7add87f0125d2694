"""The stacks the agent tests run against: backend descriptions, the platforms' patches and the
manifests they yield."""

from __future__ import annotations

from agent import (
    FARGATE_GATEWAY,
    FARGATE_SCRAPER,
    Backends,
    CloudPatch,
    cluster_agent_manifests,
    node_agent_manifests,
)
from components.platforms.aks.agent_patch import cloud_patch as aks_patch
from components.platforms.aks.exporters import AzureBackends
from components.platforms.eks.agent_patch import cloud_patch as eks_patch
from components.platforms.eks.exporters import AwsBackends
from components.platforms.eks.fargate_collectors import fargate_collector_manifests
from components.platforms.eks.fargate_sidecar import fargate_sidecar_manifests
from components.platforms.local.agent_patch import cloud_patch as local_patch
from kit.plan import offline

NAMESPACE = "o11y"
APP_NAMESPACE = "shop"

# (cloud, fargate): every stack the kit deploys, EKS with and without a Fargate profile.
STACKS = [("local", False), ("aks", False), ("eks", False), ("eks", True)]
STACK_IDS = ["local", "aks", "eks", "eks-fargate"]

IN_CLUSTER = {
    "prometheus_otlp_url": "http://prometheus.o11y.svc:9090/api/v1/otlp",
    "trace_otlp_grpc_endpoint": "tempo.o11y.svc:4317",
    "loki_otlp_url": "http://loki.o11y.svc:3100/otlp",
}
BACKENDS = Backends(**IN_CLUSTER)
AZURE = AzureBackends(connection_string_secret="app-insights")
AWS = AwsBackends(
    region="eu-west-1",
    cluster_name="kit",
    application_log_group="/aws/containerinsights/kit/application",
    events_log_group="/o11y-kit/kit/events",
    irsa_role_arn="arn:aws:iam::123456789012:role/o11y-kit-collector",
)


def backends_for(cloud: str) -> Backends:
    """The in-cluster backends; every cloud has the same (its own come in its patch)."""
    return BACKENDS


def patch_for(cloud: str, fargate: bool = False) -> CloudPatch:
    """The platform's patch of `cloud`, as its Platform builds it from a workspace's backends."""
    patches = {
        "local": local_patch,
        "aks": lambda: aks_patch(AZURE),
        "eks": lambda: eks_patch(AWS, BACKENDS, NAMESPACE, APP_NAMESPACE if fargate else None),
    }
    return patches[cloud]()


def manifests_by_mode(cloud: str, fargate: bool) -> dict[str, list[dict]]:
    patch = patch_for(cloud)
    modes = {
        "node": node_agent_manifests(NAMESPACE, BACKENDS, patch.node),
        "cluster": cluster_agent_manifests(NAMESPACE, BACKENDS, patch.cluster),
    }
    if fargate:
        objects = fargate_collector_manifests(NAMESPACE, BACKENDS, AWS)
        for mode in ("scraper", "gateway"):
            modes[mode] = [o for o in objects if o["metadata"]["name"].endswith(mode)]
        modes["sidecar"] = fargate_sidecar_manifests(APP_NAMESPACE, NAMESPACE)
    return modes


def configs_by_mode(cloud: str, fargate: bool) -> dict[str, str]:
    """mode -> rendered collector config (relay.yaml) of every mode the stack runs."""
    return {
        mode: obj["data"]["relay.yaml"]
        for mode, objects in manifests_by_mode(cloud, fargate).items()
        for obj in objects
        if obj["kind"] == "ConfigMap"
    }


def all_objects(cloud: str, fargate: bool) -> list[dict]:
    return [obj for objects in manifests_by_mode(cloud, fargate).values() for obj in objects]


# The eks collectors where Fargate exists: the node and cluster agents, the Fargate kubelet
# scraper and the sidecars' OTLP gateway (components/platforms/eks/fargate_collectors.py).
EKS_FARGATE_COLLECTORS = {"otel-node-agent", "otel-cluster-agent", FARGATE_SCRAPER, FARGATE_GATEWAY}
# (stack, overrides, workloads that must be there): which collector runs where.
VARIANTS = {
    "local": ("local", {}, {"otel-node-agent", "otel-cluster-agent"}),
    "local-webhook-alerts": (
        "local",
        {"alertReceiver": "webhook", "alertWebhookUrl": "https://hooks.example.org/kit"},
        {"otel-node-agent", "otel-cluster-agent"},
    ),
    "aks-app-insights": ("aks", {}, {"otel-node-agent", "otel-cluster-agent"}),
    "eks-fargate-back": ("eks", {}, {*EKS_FARGATE_COLLECTORS, "sample-back"}),
    "eks-fargate-middle-back": (
        "eks",
        {"fargateTiers": ["middle", "back"]},
        {*EKS_FARGATE_COLLECTORS, "sample-back", "sample-middle"},
    ),
}
_evaluations: dict[str, offline.Evaluation] = {}


def evaluation(variant: str) -> offline.Evaluation:
    """The program evaluated offline with a variant's config, once per process."""
    if variant not in _evaluations:
        stack, overrides, _ = VARIANTS[variant]
        _evaluations[variant] = offline.evaluate(stack, overrides)
    return _evaluations[variant]
