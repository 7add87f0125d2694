"""A loopback kubelet serving two views of the same pods: /stats/summary (kubeletstats' upstream
fixture grown to N pods) and /metrics/cadvisor, cAdvisor's own
Prometheus output for one container (its golden test file) repeated for each of those pods'
containers and pod cgroups, with the labels the kubelet gives them.

Only the metric families the kubelet asks cAdvisor for are kept: cAdvisor's collector adds a
family when its kind is in the kubelet's includedMetrics, which kind is read from cAdvisor's own
source (metrics/prometheus.go), so no family list is typed here.
"""

from __future__ import annotations

import json
import re
import subprocess
from copy import deepcopy
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from agent import distribution

KUBELET_FIXTURE = (
    "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
    f"kubeletstatsreceiver@v{distribution.COLLECTOR_VERSION}/testdata/stats-summary.json"
)

# The cAdvisor that Kubernetes v1.36 builds into the kubelet (k8s.io/kubernetes@v1.36.3 go.mod).
CADVISOR = "github.com/google/cadvisor@v0.56.2"
# k8s.io/kubernetes@v1.36.3 pkg/kubelet/server/server.go, includedMetrics (PressureMetrics only
# behind the KubeletPSI gate on a PSI kernel: counted in, as current nodes have both).
KUBELET_KINDS = frozenset(
    {
        "CpuUsageMetrics",
        "MemoryUsageMetrics",
        "CpuLoadMetrics",
        "DiskIOMetrics",
        "DiskUsageMetrics",
        "NetworkUsageMetrics",
        "ProcessMetrics",
        "OOMMetrics",
        "PressureMetrics",
    }
)
# The golden container's identity labels, which the kubelet's labels func replaces
# (pkg/kubelet/server/server.go containerPrometheusLabelsFunc: id, name, image, container, pod,
# namespace).
_IDENTITY = re.compile(r'(?<!\w)(container_env_\w+|container_label_\w+|id|name|image)="[^"]*",?')
_KIND = re.compile(r"includedMetrics\.Has\(container\.(\w+)\)")
_NAME = re.compile(r'name:\s+"(container_\w+)"')


def kubelet_summary(pods: int) -> dict:
    """Upstream's fixture (a minikube node, 9 pods) with its pods repeated to `pods`."""
    modcache = subprocess.run(
        ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True
    ).stdout.strip()
    fixture = Path(modcache) / KUBELET_FIXTURE
    if not fixture.exists():  # `make otelcol` downloads the module; a cleaned cache lacks it
        raise SystemExit(f"{fixture} missing: run `make otelcol` (Go's module cache holds it)")
    summary = json.loads(fixture.read_text())
    template = summary["pods"]
    summary["pods"] = []
    for i in range(pods):
        pod = deepcopy(template[i % len(template)])
        pod["podRef"] = {**pod["podRef"], "name": f"pod-{i}", "uid": f"uid-{i:04d}"}
        summary["pods"].append(pod)
    return summary


def cadvisor_dir() -> Path:
    done = subprocess.run(
        ["go", "mod", "download", "-json", CADVISOR], capture_output=True, text=True, check=True
    )
    return Path(json.loads(done.stdout)["Dir"])


def family_kinds(source: str) -> dict[str, str]:
    """Metric family -> the kind that gates it, from cAdvisor's metrics/prometheus.go."""
    kinds, kind = {}, "always"
    for line in source.splitlines():
        gate = _KIND.search(line)
        if gate:
            kind = gate.group(1)
        for name in _NAME.findall(line):
            kinds[name] = kind
    return kinds


def kubelet_families(source: str, golden: str) -> set[str]:
    """The golden file's container families the kubelet's cAdvisor exposes: gated by a kind the
    kubelet includes, or by none (container_start_time_seconds, container_spec_*)."""
    kinds = family_kinds(source)
    found = {line.split("{", 1)[0] for line in golden.splitlines() if line.startswith("container_")}
    # AppMetrics: a container's own declared metrics, which no Kubernetes container declares.
    return {f for f in found if kinds.get(f, "always") in KUBELET_KINDS | {"always"}} - {
        f for f in found if f.startswith("container_custom_")
    }


def cadvisor_text(summary: dict, cadvisor: Path) -> str:
    """/metrics/cadvisor for the summary's pods: the golden container's series once per
    container and once per pod cgroup (container="")."""
    golden = (cadvisor / "metrics/testdata/prometheus_metrics").read_text()
    families = kubelet_families((cadvisor / "metrics/prometheus.go").read_text(), golden)
    template = [
        line
        for line in golden.splitlines()
        if line.split("{", 1)[0] in families and 'id="testcontainer"' in line
    ]
    out = []
    for pod in summary["pods"]:
        ref = pod["podRef"]
        cgroup = f"/kubepods/pod{ref['uid']}"
        owners = [("", cgroup, "")] + [
            (c["name"], f"{cgroup}/{c['name']}", "registry.k8s.io/app:1")
            for c in pod.get("containers", [])
        ]
        for container, cid, image in owners:
            labels = f'container="{container}",id="{cid}",image="{image}",name="{cid}",'
            labels += f'namespace="{ref["namespace"]}",pod="{ref["name"]}",'
            for line in template:
                name, rest = line.split("{", 1)
                rest = _IDENTITY.sub("", rest)
                out.append(f"{name}{{{labels}{rest}".replace(",}", "}"))
    return "\n".join(_without_timestamps(out)) + "\n"


def _without_timestamps(lines: list[str]) -> list[str]:
    """The golden samples carry a 2014 timestamp, which Prometheus would refuse as too old."""
    return [re.sub(r"(\} \S+) \d+$", r"\1", line) for line in lines]


def kubelet(summary: dict, cadvisor: str) -> HTTPServer:
    """The loopback kubelet (plain HTTP, no auth), started."""
    server = HTTPServer("127.0.0.1")
    server.expect_request("/stats/summary").respond_with_json(summary)
    server.expect_request("/metrics/cadvisor").respond_with_response(
        Response(cadvisor, content_type="text/plain; version=0.0.4")
    )
    server.start()
    return server
