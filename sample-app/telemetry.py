"""OpenTelemetry SDK set-up: traces and metrics over OTLP/HTTP, flushed on shutdown.

Everything else comes from the standard OTEL_* variables, read by the SDK itself: the endpoint
(OTEL_EXPORTER_OTLP_ENDPOINT), the resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), batch
and export intervals (OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL) and OTEL_SDK_DISABLED.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import DropAggregation, ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

SUPPORTED_PROTOCOL = "http/protobuf"
# Seconds. The semantic-convention default jumps from 100 ms to 250 ms; the tiers answer in
# 20-200 ms, and an SLO threshold of 100, 200 or 250 ms must fall on a bucket edge.
DURATION_BUCKETS_S = (
    0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
    0.75, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
DURATION_HISTOGRAMS = ("http.server.request.duration", "http.client.request.duration")
# Probes every few seconds would drown the request traces and skew the RED metrics.
UNTRACED_PATHS = "healthz,readyz"
# Spans per OTLP request. The SDK default (512) makes its export thread hold the GIL for tens of
# milliseconds at a time, which shows as a latency spike on every request in flight; at 64 the
# encoding takes about 2.5 ms. Measured with bench.py: see README.md, "Overhead".
DEFAULT_EXPORT_BATCH_SIZE = 64
# Flushing to an unreachable collector cannot succeed; do not let it outlast the pod's grace period.
FLUSH_BUDGET_S = 10.0


class TelemetryError(ValueError):
    """The environment asks for something this app does not ship."""


def sdk_disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


@dataclass
class Telemetry:
    """The SDK providers, or None for each when OTEL_SDK_DISABLED=true."""

    tracer_provider: TracerProvider | None
    meter_provider: MeterProvider | None

    def shutdown(self, budget_s: float = FLUSH_BUDGET_S) -> bool:
        """Export what is still buffered, within `budget_s`; False if the budget ran out.

        Called once, after the server stopped taking requests. The SDK's own limits add up to
        more than 30 s when the collector is down, hence the daemon thread and the deadline.
        """
        flushing = threading.Thread(target=self._shutdown_providers, daemon=True)
        flushing.start()
        flushing.join(budget_s)
        return not flushing.is_alive()

    def _shutdown_providers(self) -> None:
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()
        if self.meter_provider is not None:
            self.meter_provider.shutdown()


def start(tier: str) -> Telemetry:
    if sdk_disabled():
        return Telemetry(None, None)
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", SUPPORTED_PROTOCOL).strip()
    if protocol != SUPPORTED_PROTOCOL:
        raise TelemetryError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: this app ships only the "
            f"{SUPPORTED_PROTOCOL} exporter (send to the collector's port 4318)"
        )
    resource = _resource(tier)
    # shutdown_on_exit=False: Telemetry.shutdown does it, within a deadline, exactly once.
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    batch_size = int(os.environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", DEFAULT_EXPORT_BATCH_SIZE))
    tracer_provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(), max_export_batch_size=batch_size)
    )
    meter_provider = MeterProvider(
        resource=resource,
        shutdown_on_exit=False,
        metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())],
        views=_views(),
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    return Telemetry(tracer_provider, meter_provider)


def instrument_app(app, telemetry: Telemetry) -> None:
    """Server spans and RED metrics for the FastAPI app; call before the app first runs.

    With the SDK disabled nothing is instrumented, so "telemetry off" in the benchmark measures
    the app with no OpenTelemetry code on the request path at all.
    """
    if telemetry.tracer_provider is None:
        return
    _use_stable_http_conventions()
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        excluded_urls=UNTRACED_PATHS,
        # One span per ASGI send/receive message is noise here and costs time on every hop.
        exclude_spans=["receive", "send"],
    )


def instrument_client(client, telemetry: Telemetry) -> None:
    """Client spans, W3C trace context injection and client metrics for calls downstream."""
    if telemetry.tracer_provider is None:
        return
    _use_stable_http_conventions()
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(
        client,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
    )


def _use_stable_http_conventions() -> None:
    """`http.server.request.duration` in seconds with `http.route`, `http.response.status_code`
    and `error.type`, instead of the legacy millisecond metric. The instrumentations read this
    once, on first use, so it is set before they are imported."""
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")


def _views() -> list[View]:
    """Finer duration buckets; request and response body sizes dropped (not part of RED, and
    each is one more recording on every request)."""
    buckets = ExplicitBucketHistogramAggregation(boundaries=DURATION_BUCKETS_S)
    return [View(instrument_name=name, aggregation=buckets) for name in DURATION_HISTOGRAMS] + [
        View(instrument_name="http.*.body.size", aggregation=DropAggregation())
    ]


def _resource(tier: str) -> Resource:
    """Defaults that make each tier its own service, overridable by the OTEL_* variables.

    service.instance.id is unique per process so that replicas' cumulative metrics stay separate
    series instead of overwriting each other in Prometheus.
    """
    defaults = Resource.create(
        {
            "service.name": f"sample-{tier}",
            "service.instance.id": str(uuid.uuid4()),
            "app.tier": tier,
        }
    )
    return defaults.merge(OTELResourceDetector().detect())
