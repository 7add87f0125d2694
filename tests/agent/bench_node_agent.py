"""Benchmark: the node agent, every pipeline, real collector, the DaemonSet's own limits
(`make bench-agent [BENCH_ARGS="--cpu 200m --memory 200Mi"]`; by default the local stack's size).

What runs is the local stack's node-agent config as the DaemonSet gives it (env, mounts), with
only what cannot run here changed (bench_config): k8s_attributes watches a loopback API server
holding PODS_PER_NODE pods (tests/agent/fake_apiserver.py); the exporters send to loopback OTLP
sinks, their queues and retries as configured.

Load per step, for SECONDS: the sample app's traffic at TRACE_RPS requests/s (3 spans each,
OTLP/HTTP, sent every second as the SDK's batcher would) with its RED metrics every 10 s, and
container log lines (JSON with trace ids, CRI format) at 100, 1,000 and 5,000 lines/s over
LOG_PODS pods' files.

Where the machine allows it (root and a cgroup v1 or v2 hierarchy with the memory and cpu
controllers) the collector runs in a cgroup with the container's memory limit and CPU quota, so
the memory_limiter's limit_percentage, GOMEMLIMIT and CPU throttling act as in the pod; else it
runs unconfined and the output says so.

Columns: CPU is the collector's CPU time until everything arrived over the seconds of load
(errs high: catching up after the load counts too); peak RSS is VmHWM, anon its heap part
(sampled), file the binary's mapped pages; lines and spans are the shares delivered; points
the metric points delivered; behind how long after the load the last line or span arrived;
cgroup peak the most the cgroup was charged, page cache included (reclaimed before any OOM
kill); throttled the share of CPU periods at the quota. Figures, not assertions; docs/reliability.md
holds a run, tests/agent/test_node_agent_limits_live.py the properties.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import yaml
from kubernetes.utils import parse_quantity
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from agent import ModePatch, distribution, node_agent_config, node_agent_manifests
from agent.backends import Resources
from components.platforms.local.agent_patch import LOCAL_NODE_RESOURCES
from tests.agent.bench_cgroup import Cgroup
from tests.agent.bench_load import app_metrics, app_spans, post
from tests.agent.collector_run import Collector, app_line, cri, free_port, write
from tests.agent.fake_apiserver import RS_HASH, FakeApiServer, Pod
from tests.agent.otelcol import NODE_NAME, mount_volumes, resolve_env
from tests.agent.stacks import NAMESPACE, backends_for
from tests.sample_app.otlp_receiver import OtlpReceiver

LOG_RATES = (100, 1_000, 5_000)  # container log lines per second, all pods together
SECONDS = 20
LOG_PODS = 4
TRACE_RPS = 10  # the demo's load generator sends 2 requests/s (LOAD_RPS); 5x that
PODS_PER_NODE = 40
DRAIN_SECONDS = 30


class TraceSink(trace_service_pb2_grpc.TraceServiceServicer):
    """Counts the spans the agent's gRPC traces exporter delivers."""

    def __init__(self) -> None:
        self.spans = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(self, self._server)
        self._server.add_insecure_port(f"127.0.0.1:{self.port}")

    def Export(self, request, context):  # noqa: N802 - the gRPC method name
        count = sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
        with self._lock:
            self.spans += count
        return trace_service_pb2.ExportTraceServiceResponse()

    def __enter__(self) -> TraceSink:
        self._server.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop(grace=None).wait()


def bench_config(
    resources: Resources,
    root: Path,
    metrics_sink: str,
    logs_sink: str,
    traces_port: int,
) -> tuple[str, dict[str, str], str]:
    """(relay.yaml, the pod's env, the agent's OTLP/HTTP address) for this machine."""
    cloud, patch = "local", ModePatch()
    config = node_agent_config(NAMESPACE, backends_for(cloud), patch, resources)
    (daemon_set,) = [
        o
        for o in node_agent_manifests(NAMESPACE, backends_for(cloud), patch, resources=resources)
        if o["kind"] == "DaemonSet"
    ]
    container = daemon_set["spec"]["template"]["spec"]["containers"][0]
    receivers, exporters = config["receivers"], config["exporters"]
    otlp_http = f"127.0.0.1:{free_port()}"
    receivers["otlp"]["protocols"]["grpc"]["endpoint"] = f"127.0.0.1:{free_port()}"
    receivers["otlp"]["protocols"]["http"]["endpoint"] = otlp_http
    exporters["otlp_http/prometheus"]["endpoint"] = metrics_sink
    exporters["otlp_http/loki"]["endpoint"] = logs_sink
    exporters["otlp_grpc/traces"]["endpoint"] = f"127.0.0.1:{traces_port}"
    config["processors"]["k8s_attributes"]["auth_type"] = "kubeConfig"
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"].update(host="127.0.0.1", port=free_port())
    env = resolve_env(container, NAMESPACE, "otel-node-agent-x2x4q", {}, {})
    text = mount_volumes(yaml.safe_dump(config, sort_keys=False), container, root)
    return text.replace(f"root_path: {root}/hostfs", "root_path: /"), env, otlp_http


def uncached_copy(binary: Path, folder: Path) -> Path:
    """A copy of the binary whose pages are not in the page cache, so the cgroup is charged
    for what the collector reads of it, as a container's first start is (not a no-op on a
    tmpfs, where the copy stays charged to this process)."""
    copy = folder / binary.name
    shutil.copy2(binary, copy)
    with copy.open("rb") as f:
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    return copy


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def status_mib(pid: int) -> dict[str, float]:
    """/proc/<pid>/status memory lines in MiB: VmHWM (peak resident), RssAnon (heap and
    stacks: what the memory_limiter and GOMEMLIMIT govern), RssFile (the binary's mapped pages,
    which the kernel can drop and read again)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


class PeakAnon(threading.Thread):
    """The largest RssAnon seen, sampled every 100 ms (the kernel keeps no peak of it)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.file, self.done = pid, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            try:
                now = status_mib(self.pid)
            except FileNotFoundError:
                return
            self.peak = max(self.peak, now["RssAnon"])
            self.file = max(self.file, now["RssFile"])


def node_pods() -> list[Pod]:
    """PODS_PER_NODE pods of this node; the first LOG_PODS are the ones that log."""
    return [
        Pod(
            namespace="shop",
            deployment=f"app-{i}",
            name=f"app-{i}-{RS_HASH}-{i:05d}",
            uid=f"{i:08d}-0000-4000-8000-{i:012d}",
            ip=f"10.244.0.{10 + i}",
        )
        for i in range(PODS_PER_NODE)
    ]


def log_file(root: Path, pod: Pod) -> Path:
    """Where the kubelet keeps the pod's app container log (/var/log/pods/<ns>_<pod>_<uid>)."""
    return root / f"var/log/pods/{pod.namespace}_{pod.name}_{pod.uid}/app/0.log"


def enriched(sink: OtlpReceiver, pods: list[Pod]) -> float:
    """Share of log records k8s_attributes gave their pod's Deployment name and service.name."""
    deployments = {p.name: p.deployment for p in pods}
    records = sink.logs()
    good = [
        r
        for r in records
        if r.resource.get("k8s.deployment.name") == deployments.get(r.resource["k8s.pod.name"])
        and r.resource.get("service.name") == deployments.get(r.resource["k8s.pod.name"])
    ]
    return len(good) / max(len(records), 1)


def millicores(cpu: str) -> int:
    """A CPU quantity as the cgroup's quota takes it: millicores, rounded up."""
    return math.ceil(parse_quantity(cpu) * 1000)


def run(
    rate: int, binary: Path, resources: Resources, confine: bool, seconds: int = SECONDS
) -> dict[str, float]:
    """One step: a fresh agent, `seconds` of load, then until everything arrived (at most
    DRAIN_SECONDS); the fractions of lines and spans that arrived, and the figures."""
    pods = node_pods()
    api = FakeApiServer(pods, NODE_NAME)
    with (
        OtlpReceiver() as metrics,
        OtlpReceiver() as logs,
        TraceSink() as traces,
        tempfile.TemporaryDirectory() as tmp,
    ):
        root = Path(tmp)
        text, env, otlp_http = bench_config(
            resources, root / "pod", metrics.endpoint, logs.endpoint, traces.port
        )
        env["KUBECONFIG"] = str(api.kubeconfig(root))
        (root / "relay.yaml").write_text(text)
        agent = Collector(uncached_copy(binary, root), root / "relay.yaml", env, root / "log")
        cgroup = Cgroup.create(f"o11y-kit-bench-{os.getpid()}-{rate}") if confine else None
        if cgroup:
            cgroup.limit(int(parse_quantity(resources.memory)), millicores(resources.cpu))
            agent.command = cgroup.wrap(agent.command)
        try:
            agent.start()
            time.sleep(1)  # past file_log's first poll (start_at: end)
            pid = agent.process.pid
            files = [log_file(root / "pod", pod) for pod in pods[:LOG_PODS]]
            sampler = PeakAnon(pid)
            sampler.start()
            cpu0, start = cpu_seconds(pid), time.monotonic()
            sent_lines = sent_spans = 0
            for second in range(seconds):
                post(f"http://{otlp_http}/v1/traces", app_spans(TRACE_RPS))
                sent_spans += TRACE_RPS * 3
                if second % 10 == 0:
                    post(f"http://{otlp_http}/v1/metrics", app_metrics(second))
                for tick in range(10):
                    time.sleep(max(0.0, start + second + tick / 10 - time.monotonic()))
                    count = rate // 10 // LOG_PODS
                    for i, path in enumerate(files):
                        n = sent_lines // LOG_PODS
                        write(
                            path, [cri("stdout", app_line(f"app-{i}", n + k)) for k in range(count)]
                        )
                    sent_lines += count * LOG_PODS
            load_seconds = time.monotonic() - start
            deadline = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < deadline and (
                len(logs.logs()) < sent_lines or traces.spans < sent_spans
            ):
                time.sleep(0.2)
            sampler.done.set()
            behind = time.monotonic() - (start + load_seconds)
            result = {
                "behind": behind,
                "millicores": (cpu_seconds(pid) - cpu0) / load_seconds * 1000,
                "rss": status_mib(pid)["VmHWM"],
                "anon": sampler.peak,
                "file": sampler.file,
                "lines": len(logs.logs()) / sent_lines,
                "spans": traces.spans / sent_spans,
                "points": metrics.point_count(),
                "enriched": enriched(logs, pods),
            }
            if cgroup:
                result.update(cgroup.figures())
            return result
        finally:
            agent.stop()
            api.close()
            if cgroup:
                cgroup.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", default=LOCAL_NODE_RESOURCES.cpu, help="container CPU limit")
    parser.add_argument("--memory", default=LOCAL_NODE_RESOURCES.memory, help="memory limit")
    parser.add_argument("--unconfined", action="store_true", help="no cgroup, even as root")
    args = parser.parse_args(argv)
    try:
        millicores(args.cpu), parse_quantity(args.memory)
    except (ArithmeticError, ValueError):
        parser.error(f"--cpu {args.cpu} / --memory {args.memory}: not Kubernetes quantities")
    resources = Resources(cpu=args.cpu, memory=args.memory)
    binary = distribution.binary()
    if not binary.exists():
        print(f"{binary} not built: run `make otelcol` (needs Go 1.26+)")
        return 1
    why_not = None if args.unconfined else Cgroup.unavailable()
    confine = not args.unconfined and why_not is None
    where = f"in a cgroup at {resources.cpu} / {resources.memory}"
    if not confine:
        where = f"unconfined ({why_not or 'asked'})"
    print(f"node agent, every pipeline, {SECONDS} s per step, {os.cpu_count()} cores, {where}")
    print(
        f"load: {TRACE_RPS} req/s x 3 spans + RED metrics, {PODS_PER_NODE} pods on the node, "
        f"container logs over {LOG_PODS} pods"
    )
    head = (
        f"{'lines/s':>8} {'CPU (m)':>8} {'peak RSS':>9} {'anon':>7} {'file':>7} "
        f"{'lines':>6} {'enriched':>8} {'spans':>6} {'points':>7} {'behind':>7}"
    )
    print(head + ("  cgroup peak  throttled  OOM kills" if confine else ""))
    for rate in LOG_RATES:
        r = run(rate, binary, resources, confine)
        line = (
            f"{rate:>8} {r['millicores']:>8.0f} {r['rss']:>6.0f}MiB {r['anon']:>4.0f}MiB "
            f"{r['file']:>4.0f}MiB {r['lines']:>6.0%} {r['enriched']:>8.0%} "
            f"{r['spans']:>6.0%} {r['points']:>7.0f} {r['behind']:>6.1f}s"
        )
        if confine:
            line += f"  {r['peak_mib']:>8.0f}MiB {r['throttled']:>10.0%} {r['oom_kills']:>10.0f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
