"""A minimal OTLP/HTTP receiver: decodes what the app exports, so tests assert on real payloads."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

SIGNALS = {
    "/v1/traces": (ExportTraceServiceRequest, ExportTraceServiceResponse),
    "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse),
    "/v1/logs": (ExportLogsServiceRequest, ExportLogsServiceResponse),
}


def attributes(key_values) -> dict:
    """OTLP KeyValue list -> plain dict (string, int, double and bool values)."""
    out = {}
    for kv in key_values:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind) if kind else None
    return out


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    resource: dict
    span: object  # opentelemetry.proto.trace.v1.Span

    @property
    def trace_id(self) -> str:
        return self.span.trace_id.hex()


@dataclass(frozen=True)
class ReceivedLog:
    resource: dict
    record: object  # opentelemetry.proto.logs.v1.LogRecord

    @property
    def attributes(self) -> dict:
        return attributes(self.record.attributes)

    @property
    def body(self):
        kind = self.record.body.WhichOneof("value")
        return getattr(self.record.body, kind) if kind else None


@dataclass(frozen=True)
class ReceivedPoint:
    service: str
    resource: dict
    metric: object  # opentelemetry.proto.metrics.v1.Metric
    point: object  # a data point of that metric

    @property
    def attributes(self) -> dict:
        return attributes(self.point.attributes)


class OtlpReceiver:
    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._traces: list[ExportTraceServiceRequest] = []
        self._metrics: list[ExportMetricsServiceRequest] = []
        self._logs: list[ExportLogsServiceRequest] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            requests = list(self._traces)
        found = []
        for request in requests:
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        found.append(ReceivedSpan(resource["service.name"], resource, span))
        return found

    def logs(self) -> list[ReceivedLog]:
        with self._lock:
            requests = list(self._logs)
        return [
            ReceivedLog(attributes(resource_logs.resource.attributes), record)
            for request in requests
            for resource_logs in request.resource_logs
            for scope_logs in resource_logs.scope_logs
            for record in scope_logs.log_records
        ]

    def point_count(self) -> int:
        """Data points of every metric received so far."""
        with self._lock:
            requests = list(self._metrics)
        return sum(
            len(getattr(m, m.WhichOneof("data")).data_points)
            for r in requests
            for rm in r.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
        )

    def points(self, metric_name: str) -> list[ReceivedPoint]:
        with self._lock:
            requests = list(self._metrics)
        found = []
        for request in requests:
            for resource_metrics in request.resource_metrics:
                resource = attributes(resource_metrics.resource.attributes)
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        if metric.name != metric_name:
                            continue
                        data = getattr(metric, metric.WhichOneof("data"))
                        for point in data.data_points:
                            found.append(
                                ReceivedPoint(resource["service.name"], resource, metric, point)
                            )
        return found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                kinds = SIGNALS.get(self.path)
                if kinds is None:
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request_type, response_type = kinds
                request = request_type.FromString(body)
                with receiver._lock:
                    received = {
                        "/v1/traces": receiver._traces,
                        "/v1/metrics": receiver._metrics,
                        "/v1/logs": receiver._logs,
                    }
                    received[self.path].append(request)
                reply = response_type().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        return Handler


def wait_for(condition: Callable[[], object], timeout_s: float = 10.0, what: str = "condition"):
    """Poll until condition() is truthy and return its value; fail with `what` otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)
