"""The stacks the agent tests run against: backend descriptions and the manifests they yield."""

from __future__ import annotations

from agent import (
    AwsBackends,
    AzureBackends,
    Backends,
    Cloud,
    cluster_agent_manifests,
    fargate_collector_manifests,
    fargate_sidecar_manifests,
    node_agent_manifests,
)

NAMESPACE = "o11y"
APP_NAMESPACE = "shop"

# (cloud, fargate): every stack the kit deploys, EKS with and without a Fargate profile.
STACKS = [(Cloud.LOCAL, False), (Cloud.AKS, False), (Cloud.EKS, False), (Cloud.EKS, True)]
STACK_IDS = ["local", "aks", "eks", "eks-fargate"]

IN_CLUSTER = {
    "prometheus_otlp_url": "http://prometheus.o11y.svc:9090/api/v1/otlp",
    "trace_otlp_grpc_endpoint": "tempo.o11y.svc:4317",
    "loki_otlp_url": "http://loki.o11y.svc:3100/otlp",
}
AZURE = AzureBackends(connection_string_secret="app-insights")
AWS = AwsBackends(
    region="eu-west-1",
    cluster_name="kit",
    application_log_group="/aws/containerinsights/kit/application",
    events_log_group="/o11y-kit/kit/events",
    irsa_role_arn="arn:aws:iam::123456789012:role/o11y-kit-collector",
)


def backends_for(cloud: Cloud) -> Backends:
    return Backends(
        **IN_CLUSTER,
        azure=AZURE if cloud is Cloud.AKS else None,
        aws=AWS if cloud is Cloud.EKS else None,
    )


def manifests_by_mode(cloud: Cloud, fargate: bool) -> dict[str, list[dict]]:
    backends = backends_for(cloud)
    modes = {
        "node": node_agent_manifests(NAMESPACE, backends, cloud),
        "cluster": cluster_agent_manifests(NAMESPACE, backends, cloud),
    }
    if fargate:
        objects = fargate_collector_manifests(NAMESPACE, backends, cloud)
        for mode in ("scraper", "gateway"):
            modes[mode] = [o for o in objects if o["metadata"]["name"].endswith(mode)]
        modes["sidecar"] = fargate_sidecar_manifests(APP_NAMESPACE, NAMESPACE)
    return modes


def configs_by_mode(cloud: Cloud, fargate: bool) -> dict[str, str]:
    """mode -> rendered collector config (relay.yaml) of every mode the stack runs."""
    return {
        mode: obj["data"]["relay.yaml"]
        for mode, objects in manifests_by_mode(cloud, fargate).items()
        for obj in objects
        if obj["kind"] == "ConfigMap"
    }


def all_objects(cloud: Cloud, fargate: bool) -> list[dict]:
    return [obj for objects in manifests_by_mode(cloud, fargate).values() for obj in objects]
