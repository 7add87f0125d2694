"""CPU and memory of every monitoring container, one place: requests at what each part needs at
the trial's load, so the local stack fits a laptop (kit/plan/pod_resources.py adds them up),
and memory limits well above its peak, so none is OOM-killed. What each figure rests on, measured
or documented upstream, is in docs/sizing.md (`python -m kit.plan.sizing`)."""

from __future__ import annotations

from typing import Any


def size(cpu: str, memory: str, memory_limit: str, cpu_limit: str | None = None) -> dict[str, Any]:
    """A container's resources: no CPU limit unless given (a throttled backend falls behind)."""
    limits = {"memory": memory_limit, **({"cpu": cpu_limit} if cpu_limit else {})}
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": limits}


PROMETHEUS = size("100m", "256Mi", "1536Mi")
ALERTMANAGER = size("10m", "32Mi", "128Mi")
# The operator's config-reloader, beside Prometheus and Alertmanager and as Prometheus' init
# container.
CONFIG_RELOADER = size("10m", "16Mi", "50Mi")
OPERATOR = size("10m", "48Mi", "200Mi")
GRAFANA = size("50m", "128Mi", "512Mi")
GRAFANA_SIDECAR = size("10m", "32Mi", "100Mi")  # each of the dashboards and datasources ones
KUBE_STATE_METRICS = size("10m", "32Mi", "64Mi")
NODE_EXPORTER = size("10m", "24Mi", "50Mi")
LOKI = size("50m", "128Mi", "1Gi")
TEMPO_MEMORY_LIMIT = "1Gi"
TEMPO = size("50m", "128Mi", TEMPO_MEMORY_LIMIT)


def kube_prometheus_stack() -> dict[str, Any]:
    """The sizes as kube-prometheus-stack's values (and its subcharts') take them."""
    return {
        "prometheus": {"prometheusSpec": {"resources": PROMETHEUS}},
        "alertmanager": {"alertmanagerSpec": {"resources": ALERTMANAGER}},
        "prometheusOperator": {
            "resources": OPERATOR,
            "prometheusConfigReloader": {"resources": CONFIG_RELOADER},
        },
        "grafana": {"resources": GRAFANA, "sidecar": {"resources": GRAFANA_SIDECAR}},
        "kube-state-metrics": {"resources": KUBE_STATE_METRICS},
        "prometheus-node-exporter": {"resources": NODE_EXPORTER},
    }
