"""Benchmark: the active series and bytes each source of node, container and workload metrics
costs Prometheus, per node, from the real programs (`make bench-series`).

Every source runs alone into a fresh Prometheus 3 (tests/agent/series_prometheus.py) and is
configured as the local stack's plan configures it (`python -m kit plan` renders the pinned
kube-prometheus-stack; its args and relabelings are read from there):

- node-exporter: the node_exporter release the chart pins, with the chart's arguments, on this
  machine's /proc, /sys and /;
- host_metrics: the kit's collector (.build/otelcol) with the catalog's receiver, on this machine;
- cAdvisor: the chart's kubelet ServiceMonitor endpoint (/metrics/cadvisor, its relabelings) on
  the loopback kubelet of PODS_PER_NODE pods (tests/agent/series_kubelet.py: kubeletstats'
  upstream /stats/summary fixture grown to that many pods);
- kubelet_stats: the kit's collector with the catalog's receiver on the same loopback kubelet;
- kube-state-metrics: the chart's release with its arguments against a local control plane
  (kit/localcluster, kwok nodes) holding PODS_PER_NODE pods on each worker;
- k8s_cluster: the kit's collector cannot be built with it, so its documented metrics for the
  same objects (tests/agent/series_k8s_cluster.py).

OTLP sources count the bytes of one collection's export request, scraped ones one exposition.
Writes kit/plan/series_measured.json, which `python -m kit plan` estimates from and resolves
every dashboard query and rule against, and the table in docs/series.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from agent import distribution
from agent import preset_catalog as presets
from components.monitoring import kube_prometheus_stack_values
from kit.localcluster import controlplane
from kit.plan import helm_render, manifests, series
from kit.plan.helm_render import HELM_RELEASE
from kit.plan.offline import ROOT, evaluate
from tests.agent import series_k8s_cluster
from tests.agent.bench_node_agent import PODS_PER_NODE
from tests.agent.collector_run import Collector, free_port
from tests.agent.series_cluster import WORKERS, workload
from tests.agent.series_kubelet import cadvisor_dir, cadvisor_text, kubelet, kubelet_summary
from tests.agent.series_prometheus import (
    SCRAPE_SECONDS,
    prometheus,
    scrape_bytes,
    scrape_config,
    stored,
)
from tests.sample_app.otlp_receiver import OtlpReceiver

TOOLS = ROOT / ".build" / "series"


def chart_objects() -> list[dict]:
    """kube-prometheus-stack's objects as the local stack's plan renders them."""
    evaluation = evaluate("local")
    (release,) = [
        r for r in evaluation.of_type(HELM_RELEASE) if "kube-prometheus-stack" in str(r.inputs)
    ]
    return helm_render.render(release, manifests.supported_versions()).objects


def _container_args(objects: list[dict], kind: str, name: str) -> list[str]:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"].endswith(name)]
    return found["spec"]["template"]["spec"]["containers"][0].get("args", [])


def _endpoint(objects: list[dict], monitor: str, path: str) -> dict:
    (found,) = [
        e
        for o in objects
        if o["kind"] == "ServiceMonitor" and o["metadata"]["name"].endswith(monitor)
        for e in o["spec"]["endpoints"]
        if e.get("path", "/metrics") == path
    ]
    return found


# The releases the chart's images run, and the module (and its version's form) each tool is from.
MODULES = {
    "node_exporter": ("quay.io/prometheus/node-exporter", "github.com/prometheus/node_exporter"),
    "kube-state-metrics": (
        "registry.k8s.io/kube-state-metrics/kube-state-metrics",
        "k8s.io/kube-state-metrics/v2",
    ),
    "prometheus": ("quay.io/prometheus/prometheus", "github.com/prometheus/prometheus"),
}


def _module_version(image_tag: str, module: str) -> str:
    """The Go module version of a release: Prometheus 3.M.P is module v0.3MM.P."""
    version = image_tag.split("-", 1)[0]
    if module == "github.com/prometheus/prometheus":
        major, minor, patch = version.removeprefix("v").split(".")
        return f"v0.{major}{int(minor):02d}.{patch}"
    return version


def check_tools(objects: list[dict]) -> list[str]:
    """Each tool's build against the release the chart runs: one line per mismatch."""
    images = [c["image"] for o in objects for c in _containers(o)]
    images += [o["spec"]["image"] for o in objects if o["kind"] == "Prometheus"]
    problems = []
    for tool, (repository, module) in MODULES.items():
        tags = {i.split("@", 1)[0].partition(":") for i in images}
        (tag,) = {tag for name, _, tag in tags if name == repository}
        info = subprocess.run(
            ["go", "version", "-m", str(TOOLS / tool)], capture_output=True, text=True, check=True
        ).stdout
        fields = [line.split() for line in info.splitlines()]
        built = {f[2] for f in fields if f[:1] in (["mod"], ["dep"]) and f[1:2] == [module]}
        if built != {_module_version(tag, module)}:
            problems.append(f"{tool}: built {built or 'from elsewhere'}, the chart runs {tag}")
    return problems


def _containers(obj: dict) -> list[dict]:
    if obj["kind"] not in ("DaemonSet", "Deployment", "StatefulSet"):
        return []
    return obj["spec"]["template"]["spec"]["containers"]


def promoted() -> list[str]:
    """The resource attributes the kit's Prometheus promotes to labels."""
    spec = kube_prometheus_stack_values(_Endpoints())["prometheus"]["prometheusSpec"]
    return spec["otlp"]["promoteResourceAttributes"]


class _Endpoints:
    namespace = "o11y-monitoring"
    prometheus = tempo = loki = grafana = "http://127.0.0.1:9"


@contextlib.contextmanager
def program(argv: list[str], log: Path) -> Iterator[None]:
    with log.open("w") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(1)
        assert process.poll() is None, log.read_text()
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def scraped(
    tmp: Path, job: str, argv: list[str] | None, target: str, path: str, relabel: list[dict]
) -> dict:
    """A scraped source: its series after the monitor's relabelings, its names, its bytes."""
    scrape = scrape_config(job, target, path, relabel)
    running = program(argv, tmp / f"{job}.log") if argv else contextlib.nullcontext()
    with running, prometheus(TOOLS / "prometheus", promoted(), scrape) as url:
        found = stored(url)
        size = scrape_bytes(f"http://{target}{path}")
    return {
        "series": found.series,
        "bytes": size,
        "names": sorted(found.names),
        "by_name": found.by_name,
    }


def collector_config(receiver: str, settings: dict, processors: dict, sinks: list[str]) -> dict:
    exporters = {f"otlp_http/{i}": {"endpoint": sink} for i, sink in enumerate(sinks)}
    return {
        "receivers": {receiver: settings},
        "processors": processors,
        "exporters": exporters,
        "extensions": {"health_check": {"endpoint": f"127.0.0.1:{free_port()}"}},
        "service": {
            "extensions": ["health_check"],
            "telemetry": {"metrics": {"level": "none"}},
            "pipelines": {
                "metrics": {
                    "receivers": [receiver],
                    "processors": list(processors),
                    "exporters": list(exporters),
                }
            },
        },
    }


def pushed(tmp: Path, receiver: str, settings: dict, processors: dict, env: dict[str, str]) -> dict:
    """A collector receiver: what Prometheus stores of its OTLP, and one export's bytes."""
    settings = {**settings, "collection_interval": f"{SCRAPE_SECONDS}s"}
    with OtlpReceiver() as sink, prometheus(TOOLS / "prometheus", promoted()) as url:
        config = collector_config(
            receiver, settings, processors, [f"{url}/api/v1/otlp", sink.endpoint]
        )
        (tmp / f"{receiver}.yaml").write_text(yaml.safe_dump(config))
        binary = distribution.binary()
        agent = Collector(binary, tmp / f"{receiver}.yaml", env, tmp / f"{receiver}.log")
        agent.start()
        try:
            found = stored(url)
        finally:
            agent.stop()
        size = sink.largest_metrics_request()
    return {
        "series": found.series,
        "bytes": size,
        "names": sorted(found.names),
        "by_name": found.by_name,
    }


def host_sources(tmp: Path, objects: list[dict]) -> dict[str, dict]:
    args = _container_args(objects, "DaemonSet", "node-exporter")
    port = free_port()
    # This machine's own /proc, /sys and / instead of the pod's /host mounts.
    argv = [str(TOOLS / "node_exporter"), f"--web.listen-address=127.0.0.1:{port}"]
    argv += [a for a in args if not a.startswith(("--path.", "--web.listen-address"))]
    relabel = _endpoint(objects, "node-exporter", "/metrics").get("metricRelabelings", [])
    host = presets.host_metrics().receivers["host_metrics"]
    resource = presets.host_metrics().processors
    return {
        "node-exporter": scraped(
            tmp, "node-exporter", argv, f"127.0.0.1:{port}", "/metrics", relabel
        ),
        "host_metrics": pushed(
            tmp, "host_metrics", {**host, "root_path": "/"}, resource, {"K8S_NODE_NAME": "node-0"}
        ),
    }


def kubelet_sources(tmp: Path, objects: list[dict]) -> dict[str, dict]:
    summary = kubelet_summary(PODS_PER_NODE)
    server = kubelet(summary, cadvisor_text(summary, cadvisor_dir()))
    target = f"127.0.0.1:{server.port}"
    try:
        cadvisor = _endpoint(objects, "kubelet", "/metrics/cadvisor")
        stats = presets.kubelet_stats().receivers["kubelet_stats"]
        stats = {
            **{k: v for k, v in stats.items() if k != "insecure_skip_verify"},
            "auth_type": "none",
            "endpoint": f"http://{target}",
        }
        return {
            "cadvisor": scraped(
                tmp,
                "cadvisor",
                None,
                target,
                "/metrics/cadvisor",
                cadvisor.get("metricRelabelings", []),
            ),
            "kubelet_stats": pushed(tmp, "kubelet_stats", stats, {}, {}),
        }
    finally:
        server.stop()


def cluster_sources(tmp: Path, objects: list[dict]) -> dict[str, dict]:
    cluster = controlplane.up(tmp, state=tmp / "cluster.json")
    try:
        workload(cluster.api, PODS_PER_NODE)
        port = free_port()
        args = _container_args(objects, "Deployment", "kube-state-metrics")
        argv = [str(TOOLS / "kube-state-metrics"), f"--kubeconfig={cluster.kubeconfig}"]
        argv += [f"--port={port}", "--host=127.0.0.1"]
        argv += [f"--telemetry-port={free_port()}", "--telemetry-host=127.0.0.1"]
        argv += [a for a in args if not a.startswith(("--port", "--telemetry"))]
        relabel = _endpoint(objects, "kube-state-metrics", "/metrics").get("metricRelabelings", [])
        ksm = scraped(tmp, "kube-state-metrics", argv, f"127.0.0.1:{port}", "/metrics", relabel)
        return {"kube-state-metrics": ksm, "k8s_cluster": documented_k8s_cluster(cluster.api)}
    finally:
        controlplane.down(tmp / "cluster.json")


def documented_k8s_cluster(api) -> dict:
    """k8s_cluster as its documentation says it reports these objects (series_k8s_cluster)."""
    receiver = presets.cluster_metrics().receivers["k8s_cluster"]
    request = series_k8s_cluster.export(
        api, receiver["node_conditions_to_report"], receiver["allocatable_types_to_report"]
    )
    with prometheus(TOOLS / "prometheus", promoted()) as url:
        size = series_k8s_cluster.send(url, request)
        found = stored(url)
    names = sorted(found.names)
    return {"series": found.series, "bytes": size, "names": names, "by_name": found.by_name}


def per_node(found: dict, nodes: int) -> dict:
    """Cluster-wide figures as a node's share."""
    shares = {name: round(n / nodes, 1) for name, n in found["by_name"].items()}
    return {
        **found,
        "by_name": shares,
        "series": round(found["series"] / nodes),
        "bytes": round(found["bytes"] / nodes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    missing = [
        t for t in ("prometheus", "node_exporter", "kube-state-metrics") if not (TOOLS / t).exists()
    ]
    if missing or not distribution.binary().exists():
        print(
            f"not built: {', '.join(missing) or 'the collector'}: run `make series-tools otelcol`"
        )
        return 1
    objects = chart_objects()
    problems = check_tools(objects)
    if problems:
        print("\n".join(problems) + "\n(the module versions are in the Makefile, series-tools)")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        sources = {**host_sources(tmp, objects), **kubelet_sources(tmp, objects)}
        sources.update({k: per_node(v, WORKERS) for k, v in cluster_sources(tmp, objects).items()})
    measured = {
        "command": "make bench-series",
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} cores",
        "pods_per_node": PODS_PER_NODE,
        "sources": sources,
    }
    series.MEASURED.write_text(json.dumps(measured, indent=1, sort_keys=True) + "\n")
    series.write_docs()
    print(series.table(series.load()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
