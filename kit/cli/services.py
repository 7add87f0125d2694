"""The in-cluster Services the CLI reaches, by the names and ports components/names.py gives
them, with the local port each `open` prefers."""

from __future__ import annotations

from dataclasses import dataclass

from components import names


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    port: int
    local_port: int


_MONITORING = names.MONITORING_NAMESPACE
PROMETHEUS = Service(_MONITORING, names.PROMETHEUS_SERVICE, names.PROMETHEUS_PORT, 9090)
ALERTMANAGER = Service(_MONITORING, names.ALERTMANAGER_SERVICE, names.ALERTMANAGER_PORT, 9093)
GRAFANA = Service(_MONITORING, names.GRAFANA_SERVICE, names.GRAFANA_SERVICE_PORT, 3000)
LOKI = Service(_MONITORING, names.LOKI_SERVICE, names.LOKI_PORT, 3100)
TEMPO = Service(_MONITORING, names.TEMPO_SERVICE, names.TEMPO_PORT, 3200)
FRONT = Service(names.APP_NAMESPACE, names.FRONT_SERVICE, names.APP_PORT, 8080)
