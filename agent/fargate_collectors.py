"""eks with Fargate: the two cluster-level collectors Fargate pods need, each with only its power.

- The scraper (`otel-fargate-scraper`) reads every Fargate node's cAdvisor through the API
  server's proxy, so its service account is the only one holding `nodes/proxy get`, which lets
  its holder reach every kubelet (exec included). It has no Service, listens for nothing anyone
  needs (the kit's NetworkPolicy admits no ingress to it) and writes only to Prometheus, so it
  holds no cloud credentials. One replica with Recreate: two would scrape every node twice.
- The gateway (`otel-fargate-gateway`) takes the Fargate sidecars' OTLP and forwards it to the
  in-cluster backends, CloudWatch Logs and X-Ray. Its service account holds no RBAC at all and
  no Kubernetes API token is mounted (automountServiceAccountToken: false); IRSA still works,
  since the EKS pod identity webhook adds its own projected token volume (`aws-iam-token`,
  audience sts.amazonaws.com) to pods of an annotated account whatever automount says
  (aws/amazon-eks-pod-identity-webhook pkg/handler/testdata/rawPodWithoutVolumes.pod.yaml).

Queues live on an emptyDir: they survive container restarts, not pod replacement.
"""

from __future__ import annotations

from agent import exporters, presets
from agent.backends import Backends, Cloud, Resources
from agent.cluster_agent import STATE_SIZE_LIMIT
from agent.collector_config import build_config, pipeline, render_config
from agent.distribution import COLLECTOR_IMAGE
from agent.k8s import (
    CONFIG_KEY,
    collector_pod_spec,
    config_map,
    deployment,
    otlp_service,
    rbac,
    service_account,
)
from agent.preset import Json, Preset, combine, field_env

FARGATE_SCRAPER = "otel-fargate-scraper"
FARGATE_GATEWAY = "otel-fargate-gateway"
DEFAULT_FARGATE_RESOURCES = Resources(cpu="200m", memory="512Mi")


def gateway_endpoint(agent_namespace: str) -> str:
    """Where Fargate sidecars send OTLP (gRPC)."""
    return f"{FARGATE_GATEWAY}.{agent_namespace}.svc.cluster.local:4317"


def check_fargate(cloud: Cloud) -> None:
    if cloud is not Cloud.EKS:
        raise ValueError(f"Fargate exists only on EKS, not on cloud {cloud.value!r}")


def _common(resources: Resources) -> list[Preset]:
    return [
        presets.base(resources),
        presets.persistent_state({"emptyDir": {"sizeLimit": STATE_SIZE_LIMIT}}),
    ]


def scraper_preset(backends: Backends, resources: Resources) -> Preset:
    return combine(
        [*_common(resources), presets.fargate_kubelet_metrics(), exporters.prometheus(backends)]
    )


def gateway_preset(backends: Backends, resources: Resources) -> Preset:
    aws = backends.aws
    return combine(
        [
            *_common(resources),
            presets.otlp("${env:MY_POD_IP}"),
            exporters.prometheus(backends),
            exporters.loki(backends),
            exporters.trace_backend(backends),
            exporters.xray(aws),
            exporters.cloudwatch_logs(
                "application", aws, aws.application_log_group, "fargate-${env:K8S_POD_NAME}"
            ),
            Preset(env=(field_env("K8S_POD_NAME", "metadata.name"),)),
        ]
    )


def scraper_config(backends: Backends, resources: Resources = DEFAULT_FARGATE_RESOURCES) -> Json:
    """The scraper's collector config (checked)."""
    preset = scraper_preset(backends, resources)
    return build_config(
        preset, {"metrics": pipeline(["prometheus/fargate"], ["otlp_http/prometheus"])}
    )


def gateway_config(backends: Backends, resources: Resources = DEFAULT_FARGATE_RESOURCES) -> Json:
    """The gateway's collector config (checked)."""
    backends.require_cloud(Cloud.EKS)
    preset = gateway_preset(backends, resources)
    return build_config(
        preset,
        {
            "metrics": pipeline(["otlp"], ["otlp_http/prometheus"]),
            "traces": pipeline(["otlp"], ["otlp_grpc/traces", "awsxray"]),
            "logs": pipeline(["otlp"], ["otlp_http/loki", "awscloudwatchlogs/application"]),
        },
    )


def fargate_collector_manifests(
    namespace: str,
    backends: Backends,
    cloud: Cloud,
    resources: Resources = DEFAULT_FARGATE_RESOURCES,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """The scraper (ServiceAccount, RBAC, ConfigMap, Deployment; no Service) and the gateway
    (ServiceAccount with the IRSA role and no RBAC, ConfigMap, Deployment, OTLP Service)."""
    cloud = Cloud(cloud)
    check_fargate(cloud)
    backends.require_cloud(cloud)
    scraper = scraper_preset(backends, resources)
    scraper_rendered = render_config(scraper_config(backends, resources))
    gateway = gateway_preset(backends, resources)
    gateway_rendered = render_config(gateway_config(backends, resources))
    gateway_pod = {
        **collector_pod_spec(FARGATE_GATEWAY, image, resources, gateway),
        "automountServiceAccountToken": False,
    }
    gateway_account = service_account(FARGATE_GATEWAY, namespace, backends.aws.irsa_role_arn)
    return [
        service_account(FARGATE_SCRAPER, namespace, None),
        *rbac(FARGATE_SCRAPER, namespace, scraper),
        config_map(FARGATE_SCRAPER, namespace, {CONFIG_KEY: scraper_rendered}),
        deployment(
            FARGATE_SCRAPER,
            namespace,
            scraper_rendered,
            collector_pod_spec(FARGATE_SCRAPER, image, resources, scraper),
            recreate=True,
        ),
        {**gateway_account, "automountServiceAccountToken": False},
        config_map(FARGATE_GATEWAY, namespace, {CONFIG_KEY: gateway_rendered}),
        deployment(FARGATE_GATEWAY, namespace, gateway_rendered, gateway_pod, recreate=False),
        otlp_service(FARGATE_GATEWAY, namespace, node_local=False),
    ]
