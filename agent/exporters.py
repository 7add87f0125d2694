"""Exporter presets: where each signal goes, with the delivery guarantees each exporter offers.

Metrics reach Prometheus through its native OTLP receiver (POST <prometheus>/api/v1/otlp/v1/metrics,
enabled with --web.enable-otlp-receiver) rather than prometheusremotewrite: one protocol for every
backend, resource attributes kept (promotable to labels), no extra exporter that is itself
being renamed upstream, and the OTLP exporter's persistent queue applies as for traces and logs.

What survives a backend outage or a collector restart, per exporter (read in each module's
source: otlp/otlphttp at core v0.159.0, awsxray at contrib v0.159.0, awsemf at v0.158.0 (the
version built into the kit's collector, agent/distribution.py BUILT_NEARBY; its live test runs
it into moto); awscloudwatchlogs and azuremonitor at v0.156.0, the newest tag at or below the
pin that the Go module proxy serves here):
- otlp_grpc, otlp_http, awscloudwatchlogs: exporterhelper's retry_on_failure (here: forever) and
  a sending queue persisted in file_storage. An outage loses nothing until the queue is full
  (QUEUE_BYTES of serialized data); a restart resumes the queue from disk (node agent:
  hostPath; cluster agent and Fargate sidecar: emptyDir, so not across pod replacement).
- awsemf, awsxray: no queue and no exporterhelper retry; only the AWS SDK's own retries of one
  request. What fails past them is dropped, and nothing survives a restart. The kit lives with
  that for the node-readiness metric, Container Insights and traces they carry.
- azuremonitor: consumes every batch at once into the Application Insights SDK's in-memory
  channel (ApplicationInsights-Go v0.4.4), which retries a failed submission 3 times, after
  10 s, 30 s and 60 s, then drops it; a persistent queue would hold nothing (the exporter never
  refuses a batch), so its queue stays in memory. On shutdown the channel keeps retrying for
  `shutdown_timeout`, the only retry setting it has: the kit gives it most of the pod's grace
  period. An outage longer than about 100 s, or a restart, loses what was in flight.
"""

from __future__ import annotations

from agent.backends import Backends
from agent.preset import Json, Preset

QUEUE_STORAGE = "file_storage"

# Retry until the persistent queue is full instead of dropping after 5 minutes (default).
RETRY_FOREVER = {
    "enabled": True,
    "initial_interval": "5s",
    "max_interval": "60s",
    "max_elapsed_time": "0s",
}


# Each persistent sending queue holds at most this many bytes of serialized data (sizer: bytes,
# exporterhelper v0.159.0 README): a count of requests says nothing about disk, since one
# batch can be 2,048 records. On disk a queue takes up to QUEUE_DISK_FACTOR times its bytes:
# the bbolt file grows to about twice the data it holds, and file_storage's compaction at start
# writes a copy beside it (measured 2.0x full, 4.08x while restarting with a full queue, by
# tests/agent/test_queue_bytes_live.py). tests/agent/test_queue_budget.py keeps every
# collector's queues x QUEUE_BYTES x QUEUE_DISK_FACTOR within its state volume's sizeLimit.
# 48 MiB holds about half an hour of a node's container logs at 100 lines/s (about 300 bytes a
# record), far more at the trial's own load.
QUEUE_BYTES = 48 * 2**20
QUEUE_DISK_FACTOR = 4.5


def persistent_queue(consumers: int = 4) -> Json:
    """A queue on file_storage that survives restarts, bounded in bytes. When it is full the
    exporter refuses new data and the batch processor in front of it drops that data, counted
    in otelcol_exporter_enqueue_failed_* (the OtelAgentQueueFull alert)."""
    return {
        "enabled": True,
        "num_consumers": consumers,
        "sizer": "bytes",
        "queue_size": QUEUE_BYTES,
        "storage": QUEUE_STORAGE,
    }


def reliable(config: Json, consumers: int = 4) -> Json:
    return {
        **config,
        "retry_on_failure": RETRY_FOREVER,
        "sending_queue": persistent_queue(consumers),
    }


def prometheus(backends: Backends) -> Preset:
    return Preset(
        exporters={"otlp_http/prometheus": reliable({"endpoint": backends.prometheus_otlp_url})}
    )


def loki(backends: Backends) -> Preset:
    return Preset(exporters={"otlp_http/loki": reliable({"endpoint": backends.loki_otlp_url})})


def trace_backend(backends: Backends) -> Preset:
    config = {"endpoint": backends.trace_otlp_grpc_endpoint, "tls": {"insecure": True}}
    return Preset(exporters={"otlp_grpc/traces": reliable(config)})


def gateway(endpoint: str) -> Preset:
    """The Fargate sidecar's only exporter: the cluster agent, which holds the credentials."""
    config = {"endpoint": endpoint, "tls": {"insecure": True}}
    return Preset(exporters={"otlp_grpc/gateway": reliable(config)})
