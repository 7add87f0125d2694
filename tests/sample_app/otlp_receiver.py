"""A minimal OTLP/HTTP receiver: decodes what the app exports, so tests assert on real payloads."""

from __future__ import annotations

import functools
import gzip
import threading
from dataclasses import dataclass

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
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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
    """Records what is exported to it over OTLP/HTTP (protobuf, gzip or not) and answers 200."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._traces: list[ExportTraceServiceRequest] = []
        self._metrics: list[ExportMetricsServiceRequest] = []
        self._logs: list[ExportLogsServiceRequest] = []
        self.server = HTTPServer("127.0.0.1", port, threaded=True)
        received = {
            "/v1/traces": self._traces,
            "/v1/metrics": self._metrics,
            "/v1/logs": self._logs,
        }
        for path, into in received.items():
            self.server.expect_request(path, method="POST").respond_with_handler(
                functools.partial(self._receive, SIGNALS[path], into)
            )
        self.server.no_handler_status_code = 404

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def __enter__(self) -> OtlpReceiver:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.clear()
        self.server.stop()

    def _receive(self, kinds: tuple, into: list, request: Request) -> Response:
        body = request.get_data()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request_type, response_type = kinds
        with self._lock:
            into.append(request_type.FromString(body))
        reply = response_type().SerializeToString()
        return Response(reply, 200, content_type="application/x-protobuf")

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

    def largest_metrics_request(self) -> int:
        """Bytes of the largest metrics export received (protobuf, uncompressed)."""
        with self._lock:
            return max((r.ByteSize() for r in self._metrics), default=0)

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
