"""SIGTERM: the tier exits 0 and exports what it had only buffered."""

from __future__ import annotations

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from tests.helpers import quiet_for, wait_for
from tests.sample_app.app_processes import base_env, get, start_tier
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = pytest.mark.live


def test_sigterm_exits_zero_and_flushes_spans_and_metrics(tmp_path, traceparent):
    trace_id, _, headers = traceparent
    with OtlpReceiver() as receiver:
        # Nothing is exported on a timer within the test: only the shutdown flush can deliver.
        env = base_env(
            receiver.endpoint,
            OTEL_BSP_SCHEDULE_DELAY="600000",
            OTEL_METRIC_EXPORT_INTERVAL="600000",
            FAULT_ERROR_RATIO="1",
        )
        back = start_tier("back", "", env, tmp_path)
        assert get(back.url, headers)[0] == 500, "FAULT_ERROR_RATIO=1 must fail every request"
        quiet_for(0.5, lambda: (len(receiver.spans()), receiver.point_count()))
        assert receiver.spans() == [] and receiver.points("http.server.request.duration") == []

        assert back.stop() == 0

        servers = [s for s in receiver.spans() if s.span.kind == Span.SPAN_KIND_SERVER]
        assert [s.trace_id for s in servers] == [trace_id]
        assert servers[0].span.status.code == Status.STATUS_CODE_ERROR
        points = wait_for(
            lambda: receiver.points("http.server.request.duration"), timeout_s=10, what="metrics"
        )
        assert {p.attributes["http.response.status_code"] for p in points} == {500}
        assert back.json_logs()[-1]["message"] == "stopped, telemetry flushed"
