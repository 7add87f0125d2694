"""The active series a plan costs its Prometheus, from measured figures: which sources of node,
container and workload metrics the plan's objects turn on, what each costs per node
(series_measured.json, written by `make bench-series`: tests/agent/bench_series.py), and the
table of docs/series.md (`python -m kit.plan.series` prints it, `--write` rewrites the doc).
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MEASURED = Path(__file__).with_name("series_measured.json")
DOC = Path(__file__).resolve().parents[2] / "docs" / "series.md"
BEGIN, END = "<!-- series table: python -m kit.plan.series --write -->", "<!-- end of table -->"

# Each signal's candidate sources for Prometheus, the one the kit keeps first.
SIGNALS = {
    "host": ("node-exporter", "host_metrics"),
    "containers and pods": ("cadvisor", "kubelet_stats"),
    "workload state": ("kube-state-metrics", "k8s_cluster"),
}
CHOSEN = frozenset(sources[0] for sources in SIGNALS.values())
HOW = {
    "node-exporter": "node-exporter DaemonSet (chart)",
    "host_metrics": "node agent, host_metrics receiver",
    "cadvisor": "kubelet ServiceMonitor, /metrics/cadvisor (chart)",
    "kubelet_stats": "node agent, kubelet_stats receiver",
    "kube-state-metrics": "kube-state-metrics Deployment (chart)",
    "k8s_cluster": "cluster agent, k8s_cluster receiver",
}
PROMETHEUS_EXPORTER = "otlp_http/prometheus"


def load() -> dict[str, Any]:
    return json.loads(MEASURED.read_text())


def _collector_configs(objects: list[dict]) -> list[dict]:
    configs = []
    for obj in objects:
        if obj.get("kind") != "ConfigMap":
            continue
        for text in (obj.get("data") or {}).values():
            if "pipelines:" not in text:
                continue
            config = yaml.safe_load(text)
            if isinstance(config, dict) and "service" in config:
                configs.append(config)
    return configs


def enabled(objects: list[dict]) -> set[str]:
    """The sources the plan's objects send into Prometheus."""
    found = set()
    for obj in objects:
        kind, name = obj.get("kind"), obj.get("metadata", {}).get("name", "")
        if kind == "DaemonSet" and name.endswith("node-exporter"):
            found.add("node-exporter")
        if kind == "Deployment" and name.endswith("kube-state-metrics"):
            found.add("kube-state-metrics")
        if kind == "ServiceMonitor":
            paths = {e.get("path") for e in obj["spec"].get("endpoints", [])}
            found |= {"cadvisor"} if "/metrics/cadvisor" in paths else set()
    for config in _collector_configs(objects):
        for pipeline in config["service"]["pipelines"].values():
            if PROMETHEUS_EXPORTER in pipeline.get("exporters", []):
                found |= set(pipeline.get("receivers", [])) & set(HOW)
    return found


@dataclass(frozen=True)
class Estimate:
    sources: tuple[str, ...]
    per_node: int
    nodes: int
    read_per_node: int  # the share of per_node whose metric names a dashboard or rule reads

    @property
    def per_cluster(self) -> int:
        return self.per_node * self.nodes

    def line(self) -> str:
        return (
            f"estimated active series into Prometheus: {self.per_node:,} per node, "
            f"{self.per_cluster:,} for {self.nodes} nodes (measured per source, "
            f"docs/series.md): {', '.join(self.sources)}; {self.read_per_node:,} per node "
            "under a name a dashboard or rule reads"
        )


def estimate(objects: list[dict], nodes: int, measured: dict | None = None) -> Estimate:
    sources = (measured or load())["sources"]
    on = sorted(enabled(objects))
    read = read_names(objects)
    per_name = [(n, c) for s in on for n, c in sources[s].get("by_name", {}).items()]
    return Estimate(
        tuple(on),
        sum(sources[s]["series"] for s in on),
        nodes,
        round(sum(c for n, c in per_name if n in read)),
    )


# --- dashboards and rules -------------------------------------------------------------------

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_VARIABLES = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]")
_IDENT = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(\s*\()?")
KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
    | {"and", "or", "unless", "inf", "nan", "start", "end"}
)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression (or a Grafana label_values query) selects."""
    text = _VARIABLES.sub("x", _STRINGS.sub('""', expr))
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", _GROUPING.sub("", text))
    text = re.sub(r"\b\d[\w.]*", "", text)
    names = set()
    for ident, call in _IDENT.findall(text):
        if not call and ident.lower() not in KEYWORDS:
            names.add(ident)
    return names


def _queries(node: Any) -> list[str]:
    """Every `expr` (and templating `query`) string in a dashboard's JSON."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("expr", "query") and isinstance(v, str)]
        query = node.get("query")
        if isinstance(query, dict) and isinstance(query.get("query"), str):
            found.append(query["query"])
        return found + [q for v in node.values() for q in _queries(v)]
    if isinstance(node, list):
        return [q for v in node for q in _queries(v)]
    return []


def _dashboards(objects: list[dict]) -> dict[str, dict]:
    found = {}
    for obj in objects:
        if obj.get("kind") != "ConfigMap":
            continue
        for key, text in (obj.get("data") or {}).items():
            if key.endswith(".json") and '"panels"' in text:
                found[f"{obj['metadata']['name']}/{key}"] = json.loads(text)
    return found


def _rules(objects: list[dict]) -> list[tuple[str, dict]]:
    return [
        (obj["metadata"]["name"], rule)
        for obj in objects
        if obj.get("kind") == "PrometheusRule"
        for group in obj["spec"].get("groups", [])
        for rule in group.get("rules", [])
    ]


def _uses(objects: list[dict]) -> list[tuple[str, str]]:
    """(where, expression) of every rule and dashboard query in the plan."""
    rules = _rules(objects)
    uses = [(f"rule {where} {r.get('alert') or r.get('record')}", r["expr"]) for where, r in rules]
    uses += [(f"dashboard {n}", q) for n, d in _dashboards(objects).items() for q in _queries(d)]
    return uses


def read_names(objects: list[dict]) -> set[str]:
    """Every metric name the plan's dashboards and rules read."""
    return {name for _, expr in _uses(objects) for name in metric_names(expr)}


@dataclass(frozen=True)
class Unresolved:
    where: str  # dashboard or rule
    name: str  # the metric name no kept source produces

    def __str__(self) -> str:
        return f"{self.where}: {self.name} comes from no source the plan keeps"


def unresolved(objects: list[dict], measured: dict | None = None) -> list[Unresolved]:
    """Metric names the plan's dashboards and rules read that only a source the plan does not
    send to Prometheus produced, as measured (names no measured source produces, such as
    Prometheus' own or the app's, are not this check's)."""
    sources = (measured or load())["sources"]
    every = {n for s in sources.values() for n in s["names"]}
    kept = {n for s in enabled(objects) for n in sources[s]["names"]}
    recorded = {r["record"] for _, r in _rules(objects) if "record" in r}
    found = []
    for where, expr in _uses(objects):
        for name in sorted(metric_names(expr) & (every - kept - recorded)):
            found.append(Unresolved(where, name))
    return sorted(set(found), key=str)


# --- the docs table -------------------------------------------------------------------------


def table(measured: dict) -> str:
    sources = measured["sources"]
    rows = [
        "| signal | source | series per node | bytes per scrape | in Prometheus before | after |",
        "|---|---|---:|---:|---|---|",
    ]
    for signal, candidates in SIGNALS.items():
        for source in candidates:
            figures = sources[source]
            after = "kept" if source in CHOSEN else "removed"
            rows.append(
                f"| {signal} | {HOW[source]} | {figures['series']:,} | {figures['bytes']:,} "
                f"| yes | {after} |"
            )
    before = sum(s["series"] for s in sources.values())
    after = sum(sources[s]["series"] for s in CHOSEN)
    rows.append(f"| **all three** | | **{before:,}** before, **{after:,}** after | | | |")
    head = (
        f"{measured['pods_per_node']} pods per node; measured with `{measured['command']}` on "
        f"{measured['machine']}."
    )
    return head + "\n\n" + "\n".join(rows) + "\n"


def write_docs(measured: dict | None = None) -> None:
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + table(measured or load()) + text[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite the table in {DOC.name}")
    args = parser.parse_args(argv)
    if args.write:
        write_docs()
    print(table(load()), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
