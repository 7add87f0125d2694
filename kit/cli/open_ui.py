"""`kit open grafana|prometheus|alertmanager|traces|logs|app`: port-forward to the right
Service and print the URL and where the credentials are; runs until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import threading
import urllib.parse
from dataclasses import dataclass

from components.names import GRAFANA_ADMIN_SECRET, MONITORING_NAMESPACE
from kit.cli import services
from kit.cli.kube import connect
from kit.cli.portforward import forward_service
from kit.cli.stack import ROOT


@dataclass(frozen=True)
class Target:
    service: services.Service
    path: str
    what: str


def _explore(datasource: str, query: dict) -> str:
    """A Grafana Explore link opening one datasource with a query (Grafana 10+ URL form)."""
    pane = {"datasource": datasource, "queries": [{"refId": "A", **query}], "range": {}}
    pane["range"] = {"from": "now-30m", "to": "now"}
    return "/explore?" + urllib.parse.urlencode(
        {"schemaVersion": 1, "orgId": 1, "panes": json.dumps({"a": pane}, separators=(",", ":"))}
    )


TARGETS = {
    "grafana": Target(services.GRAFANA, "/dashboards", "Grafana (dashboards, Explore)"),
    "prometheus": Target(services.PROMETHEUS, "/alerts", "Prometheus (alerts, PromQL)"),
    "alertmanager": Target(services.ALERTMANAGER, "/", "Alertmanager (firing alerts, silences)"),
    "traces": Target(
        services.GRAFANA,
        _explore(
            "tempo",
            {"datasource": {"type": "tempo", "uid": "tempo"}, "queryType": "serviceMap"},
        ),
        "Tempo in Grafana Explore: the service graph; switch to Search for single traces",
    ),
    "logs": Target(
        services.GRAFANA,
        _explore(
            "loki",
            {
                "datasource": {"type": "loki", "uid": "loki"},
                "expr": '{service_name=~"sample-.+"} | trace_id != ""',
            },
        ),
        "Loki in Grafana Explore: the sample app's logs; a trace_id links to its trace",
    ),
    "app": Target(services.FRONT, "/", "the sample app's front end"),
}


def grafana_credentials(stack: str | None) -> str:
    pulumi = "pulumi stack output grafana_password --show-secrets"
    if not os.environ.get("PULUMI_BACKEND_URL"):  # the Makefile's backend, as `make up` used
        pulumi = f"PULUMI_BACKEND_URL=file://{ROOT}/.pulumi-state {pulumi}"
    if stack:
        pulumi += f" --stack {stack}"
    kubectl = (
        f"kubectl -n {MONITORING_NAMESPACE} get secret {GRAFANA_ADMIN_SECRET} "
        "-o jsonpath='{.data.admin-password}' | base64 -d"
    )
    return f"user admin, password: {pulumi}  or  {kubectl}"


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    target = TARGETS[args.target]
    service = target.service
    kube = connect(args)
    local = args.port or service.local_port
    with forward_service(kube, service.namespace, service.name, service.port, local) as fwd:
        print(f"{target.what}: {fwd.url}{target.path}")
        if service is services.GRAFANA:
            print(f"  login: {grafana_credentials(args.stack)}")
        print(
            f"  (forwarding to {service.namespace}/svc/{service.name}:{service.port}; Ctrl-C stops)"
        )
        stop = stop or threading.Event()
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            print()
    return 0
