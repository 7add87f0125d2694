"""k8s_cluster's series from its documentation, for the objects of a real API server: the kit's
collector cannot be built with the receiver (docs/development.md, the modules the Go proxy does
not serve), so the metrics its metadata.yaml enables by default are made here, one data point
per object with the resource attributes the receiver sets, and sent over OTLP to Prometheus,
which translates and stores them as it would the receiver's.

The receiver's source is read at the nearest release the Go module proxy serves with it,
RELEASE; node conditions and allocatable types are the kit's (agent/preset_catalog.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import yaml
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as service
from opentelemetry.proto.common.v1 import common_pb2 as common
from opentelemetry.proto.metrics.v1 import metrics_pb2 as otlp

from kit.localcluster.api import Api

RELEASE = "v0.161.0"
MODULE = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/k8sclusterreceiver"
# Container metrics the receiver emits only for what the pod spec sets.
_SET_ONLY = {
    "k8s.container.cpu_request": ("requests", "cpu"),
    "k8s.container.cpu_limit": ("limits", "cpu"),
    "k8s.container.memory_request": ("requests", "memory"),
    "k8s.container.memory_limit": ("limits", "memory"),
    "k8s.container.ephemeralstorage_request": ("requests", "ephemeral-storage"),
    "k8s.container.ephemeralstorage_limit": ("limits", "ephemeral-storage"),
    "k8s.container.storage_request": ("requests", "storage"),
    "k8s.container.storage_limit": ("limits", "storage"),
}


def metadata() -> dict:
    done = subprocess.run(
        ["go", "mod", "download", "-json", f"{MODULE}@{RELEASE}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return yaml.safe_load((Path(json.loads(done.stdout)["Dir"]) / "metadata.yaml").read_text())


def _enabled(meta: dict, prefix: str) -> list[tuple[str, str]]:
    return [
        (name, m.get("unit", ""))
        for name, m in meta["metrics"].items()
        if m.get("enabled") and name.startswith(prefix) and not m.get("attributes")
    ]


def _attrs(values: dict[str, str]) -> list[common.KeyValue]:
    return [
        common.KeyValue(key=k, value=common.AnyValue(string_value=v)) for k, v in values.items()
    ]


def _resource(metrics: list[tuple[str, str]], resource: dict[str, str]) -> otlp.ResourceMetrics:
    out = otlp.ResourceMetrics()
    out.resource.attributes.extend(_attrs(resource))
    scope = otlp.ScopeMetrics()
    for name, unit in metrics:
        point = otlp.NumberDataPoint(as_double=1.0, time_unix_nano=_now())
        scope.metrics.append(
            otlp.Metric(name=name, unit=unit, gauge=otlp.Gauge(data_points=[point]))
        )
    out.scope_metrics.append(scope)
    return out


def _now() -> int:
    return time.time_ns()


def export(
    api: Api, conditions: list[str], allocatable: list[str]
) -> service.ExportMetricsServiceRequest:
    """One collection of the receiver's default metrics for every object the API holds."""
    meta = metadata()
    request = service.ExportMetricsServiceRequest()
    add = request.resource_metrics.append
    for node in api.get("/api/v1/nodes")["items"]:
        name = node["metadata"]["name"]
        per_node = [(f"k8s.node.condition_{_snake(c)}", "{condition}") for c in conditions]
        per_node += [(f"k8s.node.allocatable_{_snake(a)}", "") for a in allocatable]
        add(_resource(per_node, {"k8s.node.name": name, "k8s.node.uid": node["metadata"]["uid"]}))
    for ns in api.get("/api/v1/namespaces")["items"]:
        resource = {"k8s.namespace.name": ns["metadata"]["name"]}
        add(_resource(_enabled(meta, "k8s.namespace."), resource))
    for pod in api.get("/api/v1/pods")["items"]:
        owner = {
            "k8s.namespace.name": pod["metadata"]["namespace"],
            "k8s.node.name": pod["spec"].get("nodeName", ""),
            "k8s.pod.name": pod["metadata"]["name"],
            "k8s.pod.uid": pod["metadata"]["uid"],
        }
        add(_resource(_enabled(meta, "k8s.pod."), owner))
        for container in pod["spec"]["containers"]:
            resources = container.get("resources", {})
            metrics = [
                (n, u)
                for n, u in _enabled(meta, "k8s.container.")
                if n not in _SET_ONLY or _SET_ONLY[n][1] in resources.get(_SET_ONLY[n][0], {})
            ]
            add(_resource(metrics, {**owner, "k8s.container.name": container["name"]}))
    for kind, plural in (("deployment", "deployments"), ("replicaset", "replicasets")):
        for obj in api.get(f"/apis/apps/v1/{plural}")["items"]:
            resource = {
                "k8s.namespace.name": obj["metadata"]["namespace"],
                f"k8s.{kind}.name": obj["metadata"]["name"],
                f"k8s.{kind}.uid": obj["metadata"]["uid"],
            }
            add(_resource(_enabled(meta, f"k8s.{kind}."), resource))
    return request


def _snake(value: str) -> str:
    """As the receiver's strcase.ToSnake: `PIDPressure` -> `pid_pressure`,
    `ephemeral-storage` -> `ephemeral_storage`."""
    out = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", value)
    return out.replace("-", "_").lower()


def send(prometheus: str, request: service.ExportMetricsServiceRequest) -> int:
    """POST it to Prometheus' OTLP receiver; its size in bytes."""
    body = request.SerializeToString()
    post = urllib.request.Request(
        f"{prometheus}/api/v1/otlp/v1/metrics",
        data=body,
        headers={"Content-Type": "application/x-protobuf"},
    )
    with urllib.request.urlopen(post, timeout=30) as answer:
        answer.read()
    return len(body)
