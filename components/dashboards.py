"""The kit's Grafana dashboards (components/dashboards/*.json), provisioned by Grafana's
dashboard sidecar, and every PromQL query in them so the tests can run each one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DASHBOARD_DIR = Path(__file__).resolve().parent / "dashboards"
# kube-prometheus-stack 88.5.3 values: grafana.sidecar.dashboards.label/labelValue, and the
# uid of the Prometheus datasource it provisions (grafana.sidecar.datasources.uid).
SIDECAR_LABEL = {"grafana_dashboard": "1"}
PROMETHEUS_UID = "prometheus"


@dataclass(frozen=True)
class PanelQuery:
    """One query of one panel, named so a failing check says where it is."""

    dashboard: str
    panel: str
    ref_id: str
    expr: str

    @property
    def where(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref_id}"


def load() -> dict[str, dict[str, Any]]:
    """File stem -> dashboard model, in a stable order."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def panel_queries(dashboards: dict[str, dict[str, Any]] | None = None) -> list[PanelQuery]:
    """Every target expression of every panel (rows' nested panels included)."""
    queries = []
    for stem, dashboard in (dashboards or load()).items():
        for panel in _panels(dashboard["panels"]):
            for target in panel.get("targets", []):
                queries.append(PanelQuery(stem, panel["title"], target["refId"], target["expr"]))
    return queries


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = []
    for panel in panels:
        flat.append(panel)
        flat += _panels(panel.get("panels", []))
    return flat
