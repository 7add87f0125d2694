"""eks with Fargate: the two cluster-level collectors Fargate pods need, each with only its power.

- The scraper reads every Fargate node's cAdvisor through the API server's proxy: the only
  account holding `nodes/proxy get` (which reaches every kubelet, exec included), so it has no
  Service, no ingress and no cloud credentials. One replica with Recreate: two would scrape twice.
- The gateway forwards the sidecars' OTLP to the backends, CloudWatch Logs and X-Ray, with no
  RBAC and no API token mounted; IRSA still works, as the pod identity webhook adds its own token
  volume (aws/amazon-eks-pod-identity-webhook pkg/handler/testdata/rawPodWithoutVolumes.pod.yaml).
"""

from __future__ import annotations

from agent import exporters
from agent import preset_catalog as presets
from agent.backends import Backends, Resources
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
from agent.labels import FARGATE_GATEWAY, FARGATE_SCRAPER
from agent.preset import Json, Preset, combine, field_env, rule
from agent.preset_catalog import READ, SA_DIR
from components.platforms.eks import exporters as aws_exporters
from components.platforms.eks.exporters import AwsBackends

DEFAULT_FARGATE_RESOURCES = Resources(cpu="200m", memory="512Mi")
# The gateway's five persistent queues (Prometheus, Loki, Tempo, X-Ray, CloudWatch Logs) at
# their worst case on disk, with room for checkpoints (tests/agent/test_queue_budget.py).
GATEWAY_STATE_SIZE_LIMIT = "1280Mi"


def gateway_endpoint(agent_namespace: str) -> str:
    """Where Fargate sidecars send OTLP (gRPC)."""
    return f"{FARGATE_GATEWAY}.{agent_namespace}.svc.cluster.local:4317"


def _common(resources: Resources, state_size_limit: str = STATE_SIZE_LIMIT) -> list[Preset]:
    return [
        presets.base(resources),
        presets.persistent_state({"emptyDir": {"sizeLimit": state_size_limit}}),
    ]


def scraper_preset(backends: Backends, resources: Resources) -> Preset:
    return combine([*_common(resources), fargate_kubelet_metrics(), exporters.prometheus(backends)])


def gateway_preset(backends: Backends, aws: AwsBackends, resources: Resources) -> Preset:
    return combine(
        [
            *_common(resources, GATEWAY_STATE_SIZE_LIMIT),
            presets.otlp("${env:MY_POD_IP}"),
            exporters.prometheus(backends),
            exporters.loki(backends),
            exporters.trace_backend(backends),
            aws_exporters.xray(aws),
            aws_exporters.cloudwatch_logs(
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


def gateway_config(
    backends: Backends, aws: AwsBackends, resources: Resources = DEFAULT_FARGATE_RESOURCES
) -> Json:
    """The gateway's collector config (checked)."""
    preset = gateway_preset(backends, aws, resources)
    return build_config(
        preset,
        {
            "metrics": pipeline(["otlp"], ["otlp_http/prometheus"]),
            "traces": pipeline(["otlp"], ["otlp_grpc/traces", aws_exporters.XRAY_EXPORTER]),
            "logs": pipeline(["otlp"], ["otlp_http/loki", "awscloudwatchlogs/application"]),
        },
    )


def fargate_collector_manifests(
    namespace: str,
    backends: Backends,
    aws: AwsBackends,
    resources: Resources = DEFAULT_FARGATE_RESOURCES,
    image: str = COLLECTOR_IMAGE,
) -> list[Json]:
    """The scraper (ServiceAccount, RBAC, ConfigMap, Deployment; no Service) and the gateway
    (ServiceAccount with the IRSA role and no RBAC, ConfigMap, Deployment, OTLP Service)."""
    scraper = scraper_preset(backends, resources)
    scraper_rendered = render_config(scraper_config(backends, resources))
    gateway = gateway_preset(backends, aws, resources)
    gateway_rendered = render_config(gateway_config(backends, aws, resources))
    gateway_pod = {
        **collector_pod_spec(FARGATE_GATEWAY, image, resources, gateway),
        "automountServiceAccountToken": False,
    }
    gateway_account = service_account(FARGATE_GATEWAY, namespace, aws.role_annotations)
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


def fargate_kubelet_metrics() -> Preset:
    """cAdvisor metrics of every Fargate node, scraped through the API-server proxy.

    No pod reaches a Fargate node's kubelet directly (aws/containers-roadmap#1798), so, as
    ADOT's Fargate template does, this asks the API server. `$$` escapes a literal `$`.
    """
    scrape = {
        "job_name": "fargate-kubelet-cadvisor",
        "scheme": "https",
        "scrape_interval": "60s",
        "scrape_timeout": "40s",
        "tls_config": {"ca_file": f"{SA_DIR}/ca.crt", "insecure_skip_verify": False},
        "authorization": {"credentials_file": f"{SA_DIR}/token"},
        "kubernetes_sd_configs": [{"role": "node"}],
        "relabel_configs": [
            {
                "source_labels": ["__meta_kubernetes_node_label_eks_amazonaws_com_compute_type"],
                "regex": "fargate",
                "action": "keep",
            },
            {"target_label": "__address__", "replacement": "kubernetes.default.svc:443"},
            {
                "source_labels": ["__meta_kubernetes_node_name"],
                "regex": "(.+)",
                "target_label": "__metrics_path__",
                "replacement": "/api/v1/nodes/$${1}/proxy/metrics/cadvisor",
            },
        ],
    }
    return Preset(
        receivers={"prometheus/fargate": {"config": {"scrape_configs": [scrape]}}},
        cluster_rules=(
            rule("", ["nodes"], READ),
            rule("", ["nodes/proxy"], ["get"]),
        ),
    )
