"""What the agent exports to: a small, frozen description the Pulumi components fill in.

The agent never decides where a backend lives; the Monitoring and Workspace components do, and
hand their addresses over in these dataclasses, so one place owns every endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backends:
    """The in-cluster backends every stack has (a platform adds its own: agent/cloud_patch.py).

    prometheus_otlp_url: Prometheus' native OTLP receiver base URL, e.g.
        http://prometheus.monitoring.svc:9090/api/v1/otlp (needs --web.enable-otlp-receiver).
    trace_otlp_grpc_endpoint: host:port of the trace backend's OTLP gRPC receiver (plaintext).
    loki_otlp_url: Loki's native OTLP endpoint, e.g. http://loki.monitoring.svc:3100/otlp.
    """

    prometheus_otlp_url: str
    trace_otlp_grpc_endpoint: str
    loki_otlp_url: str


@dataclass(frozen=True)
class Resources:
    """Requests == limits for one collector container (guaranteed QoS: what Fargate requires,
    and what keeps the memory_limiter / GOMEMLIMIT arithmetic honest everywhere else)."""

    cpu: str
    memory: str
