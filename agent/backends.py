"""What the agent exports to: a small, frozen description the Pulumi components fill in.

The agent never decides where a backend lives; the Monitoring and Workspace components do, and
hand their addresses over in these dataclasses, so one place owns every endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Cloud(StrEnum):
    """The stack the agent runs on; each cloud adds its own exporters to the in-cluster ones."""

    LOCAL = "local"
    AKS = "aks"
    EKS = "eks"


@dataclass(frozen=True)
class AzureBackends:
    """Application Insights (workspace-based). The connection string never enters the config:
    it reaches the collector as env APPLICATIONINSIGHTS_CONNECTION_STRING from this Secret."""

    connection_string_secret: str
    connection_string_key: str = "connection-string"


@dataclass(frozen=True)
class AwsBackends:
    """CloudWatch (EMF metrics, Logs) and X-Ray. Log groups are created by the stack with a
    retention, so `destroy` removes them; the exporters only write into them."""

    region: str
    cluster_name: str
    application_log_group: str
    events_log_group: str
    irsa_role_arn: str | None = None

    @property
    def performance_log_group(self) -> str:
        """Where Container Insights expects EMF performance events (AWS naming convention)."""
        return f"/aws/containerinsights/{self.cluster_name}/performance"


@dataclass(frozen=True)
class Backends:
    """In-cluster backends every stack has, plus the cloud's own (set for aks / eks only).

    prometheus_otlp_url: Prometheus' native OTLP receiver base URL, e.g.
        http://prometheus.monitoring.svc:9090/api/v1/otlp (needs --web.enable-otlp-receiver).
    trace_otlp_grpc_endpoint: host:port of the trace backend's OTLP gRPC receiver (plaintext).
    loki_otlp_url: Loki's native OTLP endpoint, e.g. http://loki.monitoring.svc:3100/otlp.
    """

    prometheus_otlp_url: str
    trace_otlp_grpc_endpoint: str
    loki_otlp_url: str
    azure: AzureBackends | None = None
    aws: AwsBackends | None = None

    def require_cloud(self, cloud: Cloud) -> None:
        """Fail early when the stack's cloud has no backend description to export to."""
        if cloud is Cloud.AKS and self.azure is None:
            raise ValueError("cloud 'aks' needs Backends.azure (the App Insights Secret)")
        if cloud is Cloud.EKS and self.aws is None:
            raise ValueError("cloud 'eks' needs Backends.aws (region, cluster, log groups)")


@dataclass(frozen=True)
class Resources:
    """Requests == limits for one collector container (guaranteed QoS: what Fargate requires,
    and what keeps the memory_limiter / GOMEMLIMIT arithmetic honest everywhere else)."""

    cpu: str
    memory: str
