"""Exporter presets: where each signal goes, retrying forever into a queue on disk.

Metrics reach Prometheus through its native OTLP receiver (--web.enable-otlp-receiver) rather
than prometheusremotewrite: one protocol for every backend, resource attributes kept, and the
same persistent queue as traces and logs. What each exporter keeps through an outage or a
restart: docs/reliability.md, "What each exporter keeps".
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


# Bounded in bytes (sizer: bytes, exporterhelper README), not requests: one batch can be 2,048
# records. QUEUE_DISK_FACTOR: disk per queued byte, from tests/agent/test_queue_bytes_live.py
# (docs/reliability.md); tests/agent/test_queue_budget.py fits the queues in their volumes.
QUEUE_BYTES = 48 * 2**20
QUEUE_DISK_FACTOR = 4.5

# Batches are made by the queue's consumers, from records already on disk (exporterhelper's
# `sending_queue::batch`, counted in log records, spans or data points): a batch processor in
# front would hold records in memory after file_log has moved its checkpoint past them, so a
# crash would lose them (tests/agent/test_node_logs_crash_live.py).
QUEUE_BATCH = {"flush_timeout": "5s", "min_size": 1024, "max_size": 2048, "sizer": "items"}


def persistent_queue(consumers: int = 4, batch: bool = True) -> Json:
    """A queue on file_storage that survives restarts, bounded in bytes, batching as it sends.
    When it is full the exporter refuses new data, counted in otelcol_exporter_enqueue_failed_*
    (the OtelAgentQueueFull alert): file_log retries it, then drops it (docs/reliability.md)."""
    return {
        "enabled": True,
        "num_consumers": consumers,
        "sizer": "bytes",
        "queue_size": QUEUE_BYTES,
        "storage": QUEUE_STORAGE,
        **({"batch": QUEUE_BATCH} if batch else {}),
    }


def reliable(config: Json, consumers: int = 4, batch: bool = True) -> Json:
    return {
        **config,
        "retry_on_failure": RETRY_FOREVER,
        "sending_queue": persistent_queue(consumers, batch),
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
    """The Fargate sidecar's only exporter: the gateway, which holds the credentials and
    batches. Unbatched here, each export is one read of a log file, in order: a batch made
    from the queue would put what a restart re-sends after newer records."""
    config = {"endpoint": endpoint, "tls": {"insecure": True}}
    return Preset(exporters={"otlp_grpc/gateway": reliable(config, batch=False)})
