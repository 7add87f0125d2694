"""The in-cluster Services the CLI reaches, named as components/monitoring.py and
components/sample_app.py name them, with the local port each `open` prefers."""

from __future__ import annotations

from dataclasses import dataclass

from components.monitoring import KPS_RELEASE, LOKI_RELEASE, TEMPO_RELEASE
from components.namespaces import APP, MONITORING
from components.sample_app import PORT as APP_PORT


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    port: int
    local_port: int


PROMETHEUS = Service(MONITORING.name, f"{KPS_RELEASE}-prometheus", 9090, 9090)
ALERTMANAGER = Service(MONITORING.name, f"{KPS_RELEASE}-alertmanager", 9093, 9093)
GRAFANA = Service(MONITORING.name, f"{KPS_RELEASE}-grafana", 80, 3000)
LOKI = Service(MONITORING.name, LOKI_RELEASE, 3100, 3100)
TEMPO = Service(MONITORING.name, TEMPO_RELEASE, 3200, 3200)
FRONT = Service(APP.name, "front", APP_PORT, 8080)
