"""One request to front, followed through all three real tiers: traces, logs and metrics."""

from __future__ import annotations

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from tests.helpers import wait_for
from tests.sample_app.app_processes import get
from tests.sample_app.otlp_receiver import attributes

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("test_app_three_tiers")]

TIER_NAMES = ("front", "middle", "back")
DURATION_METRIC = "http.server.request.duration"
WORK_MS = 20


def http_spans(receiver, trace_id: str, expected: int) -> dict[tuple[str, int], object]:
    """Server and client spans of one trace, keyed by (tier, kind), once all `expected` arrived."""

    def collect():
        found = {}
        for received in receiver.spans():
            kind = received.span.kind
            if received.trace_id == trace_id and kind in (
                Span.SPAN_KIND_SERVER,
                Span.SPAN_KIND_CLIENT,
            ):
                key = (received.resource["app.tier"], kind)
                assert key not in found, f"two {key} spans in trace {trace_id}"
                found[key] = received.span
        return found if len(found) == expected else None

    return wait_for(collect, what=f"{expected} server/client spans of trace {trace_id}")


def duration_ms(span) -> float:
    return (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6


def server(spans, tier):
    return spans[(tier, Span.SPAN_KIND_SERVER)]


def client(spans, tier):
    return spans[(tier, Span.SPAN_KIND_CLIENT)]


def test_one_request_is_one_trace_chained_through_every_tier(three_tiers, receiver, traceparent):
    trace_id, parent_id, headers = traceparent
    assert get(three_tiers["front"].url, headers) == (
        200,
        {"tier": "front", "path": list(TIER_NAMES)},
    )

    spans = http_spans(receiver, trace_id, expected=5)

    chain = [
        server(spans, "front"),
        client(spans, "front"),
        server(spans, "middle"),
        client(spans, "middle"),
        server(spans, "back"),
    ]
    assert chain[0].parent_span_id.hex() == parent_id, "front did not continue the caller's trace"
    for parent, child in zip(chain, chain[1:], strict=False):
        assert child.parent_span_id == parent.span_id, (
            f"{child.name} is not a child of {parent.name}"
        )
    for tier in TIER_NAMES:
        assert duration_ms(server(spans, tier)) >= WORK_MS, f"{tier} did less than {WORK_MS} ms"


def test_every_log_line_is_json_and_carries_the_request_trace(three_tiers, receiver, traceparent):
    trace_id, _, headers = traceparent
    assert get(three_tiers["front"].url, headers)[0] == 200
    spans = http_spans(receiver, trace_id, expected=5)

    for tier in TIER_NAMES:
        lines = three_tiers[tier].json_logs()
        served = [line for line in lines if line.get("trace_id") == trace_id]
        assert [line["message"] for line in served] == ["served"], f"{tier}: {served}"
        assert served[0]["tier"] == tier
        assert served[0]["level"] == "INFO"
        assert served[0]["span_id"] == server(spans, tier).span_id.hex()


def test_fault_header_fails_back_and_the_error_reaches_spans_and_metrics(
    three_tiers, receiver, traceparent
):
    trace_id, _, headers = traceparent
    fault = {"x-fault-tier": "back", "x-fault-error-ratio": "1"}
    status, body = get(three_tiers["middle"].url, {**headers, **fault})  # from inside the cluster
    assert status == 502, body

    spans = http_spans(receiver, trace_id, expected=3)
    back = server(spans, "back")
    assert back.status.code == Status.STATUS_CODE_ERROR
    assert any(event.name == "exception" for event in back.events)
    assert server(spans, "middle").status.code == Status.STATUS_CODE_ERROR

    def back_error_points():
        return [
            point
            for point in receiver.points(DURATION_METRIC)
            if point.service == "sample-back"
            and point.attributes.get("http.response.status_code") == 500
            and point.attributes.get("error.type") == "500"
        ]

    point = wait_for(back_error_points, what="a 500 data point from back")[-1]
    assert point.attributes["http.route"] == "/"
    assert point.resource["app.tier"] == "back"
    assert point.point.count >= 1


def test_latency_header_slows_only_the_targeted_tier(three_tiers, receiver, traceparent):
    trace_id, _, headers = traceparent
    fault = {"x-fault-tier": "middle", "x-fault-latency-ms": "150"}
    assert get(three_tiers["middle"].url, {**headers, **fault})[0] == 200

    spans = http_spans(receiver, trace_id, expected=3)
    # middle's span encloses its call to back, so its own delay is what remains beyond back's
    # (lower bounds only: a busy machine makes spans longer, never shorter)
    assert duration_ms(server(spans, "middle")) - duration_ms(server(spans, "back")) >= 150
    fault_attributes = {t: attributes(server(spans, t).attributes) for t in ("middle", "back")}
    assert fault_attributes["middle"]["app.fault.extra_latency_ms"] == 150
    assert "app.fault.extra_latency_ms" not in fault_attributes["back"]


def test_front_ignores_and_drops_fault_headers_from_outside(three_tiers, receiver, traceparent):
    """front is what a LoadBalancer exposes: a request from anywhere must not fail or slow
    any tier, nor carry the headers on to the tiers that would honour them."""
    trace_id, _, headers = traceparent
    fault = {"x-fault-tier": "all", "x-fault-error-ratio": "1", "x-fault-latency-ms": "300"}
    assert get(three_tiers["front"].url, {**headers, **fault})[0] == 200

    spans = http_spans(receiver, trace_id, expected=5)
    for tier in TIER_NAMES:
        span = server(spans, tier)
        assert span.status.code != Status.STATUS_CODE_ERROR, tier
        assert duration_ms(span) < 300, tier
        assert not any(k.startswith("app.fault.") for k in attributes(span.attributes)), tier


def test_duration_histogram_has_buckets_for_20_to_250_ms(three_tiers, receiver):
    assert get(three_tiers["front"].url)[0] == 200
    points = wait_for(lambda: receiver.points(DURATION_METRIC), what="duration histogram points")
    bounds = set(points[-1].point.explicit_bounds)
    # The semantic-convention default has none of 0.02, 0.15 and 0.2: the View must be applied.
    assert {0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25} <= bounds, sorted(bounds)
    assert points[-1].metric.histogram.aggregation_temporality == 2  # cumulative, for Prometheus
    assert receiver.points("http.server.response.body.size") == []
