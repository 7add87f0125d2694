"""The sample app's telemetry as OTLP/HTTP requests, for the node-agent benchmark.

Shaped like what sample-app/app exports: per request one server span per tier (front, middle,
back) in one trace, and per tier the RED metrics (a request counter and a duration histogram by
route and status).
"""

from __future__ import annotations

import os
import time
import urllib.request

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AGGREGATION_TEMPORALITY_CUMULATIVE,
    Histogram,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

TIERS = ("front", "middle", "back")
BUCKETS = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]  # ms


def _attrs(**values: str) -> list[KeyValue]:
    return [
        KeyValue(key=k.replace("_", "."), value=AnyValue(string_value=v)) for k, v in values.items()
    ]


def _resource(tier: str) -> Resource:
    return Resource(attributes=_attrs(service_name=tier, service_namespace="sample"))


def app_spans(requests: int) -> bytes:
    """`requests` traces of three server spans (20 ms each), grouped per tier as the SDK does."""
    now = time.time_ns()
    per_tier: dict[str, list[Span]] = {tier: [] for tier in TIERS}
    for _ in range(requests):
        trace_id = os.urandom(16)
        parent = b""
        for depth, tier in enumerate(TIERS):
            span_id = os.urandom(8)
            start = now + depth * 1_000_000
            per_tier[tier].append(
                Span(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent_span_id=parent,
                    name="GET /",
                    kind=Span.SPAN_KIND_SERVER,
                    start_time_unix_nano=start,
                    end_time_unix_nano=start + (60 - 20 * depth) * 1_000_000,
                    attributes=_attrs(http_request_method="GET", http_route="/", url_path="/"),
                )
            )
            parent = span_id
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(resource=_resource(tier), scope_spans=[ScopeSpans(spans=spans)])
            for tier, spans in per_tier.items()
        ]
    )
    return request.SerializeToString()


def app_metrics(second: int) -> bytes:
    """Each tier's request counter and duration histogram, cumulative since the start."""
    now = time.time_ns()
    attrs = _attrs(http_request_method="GET", http_route="/", http_response_status_code="200")
    count = second + 1
    metrics = [
        Metric(
            name="http.server.request.duration",
            unit="s",
            histogram=Histogram(
                aggregation_temporality=AGGREGATION_TEMPORALITY_CUMULATIVE,
                data_points=[
                    HistogramDataPoint(
                        attributes=attrs,
                        time_unix_nano=now,
                        count=count,
                        sum=0.02 * count,
                        explicit_bounds=[b / 1000 for b in BUCKETS],
                        bucket_counts=[0, 0, count] + [0] * (len(BUCKETS) - 2),
                    )
                ],
            ),
        ),
        Metric(
            name="app.requests",
            sum=Sum(
                aggregation_temporality=AGGREGATION_TEMPORALITY_CUMULATIVE,
                is_monotonic=True,
                data_points=[NumberDataPoint(attributes=attrs, time_unix_nano=now, as_int=count)],
            ),
        ),
    ]
    request = ExportMetricsServiceRequest(
        resource_metrics=[
            ResourceMetrics(resource=_resource(tier), scope_metrics=[ScopeMetrics(metrics=metrics)])
            for tier in TIERS
        ]
    )
    return request.SerializeToString()


def post(url: str, body: bytes) -> None:
    """One OTLP/HTTP protobuf export; the agent's answer must be 200."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/x-protobuf"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.status
