"""The JSON log formatter stamps lines with the active span's ids, and only then."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from tests.sample_app.app_processes import import_app_module

logging_json = import_app_module("logging_json")

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0xB7AD6B7169203331


@pytest.fixture
def capture():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging_json.JsonFormatter("middle"))
    logger = logging.getLogger("test-sample-app-logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_line_inside_a_span_carries_its_ids_as_hex(capture):
    logger, lines = capture
    span = NonRecordingSpan(SpanContext(TRACE_ID, SPAN_ID, False, TraceFlags(1)))
    with trace.use_span(span):
        logger.warning("slow", extra={logging_json.FIELDS: {"status": 502}})
    (line,) = lines()
    assert line["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert line["span_id"] == "b7ad6b7169203331"
    assert (line["level"], line["message"], line["tier"], line["status"]) == (
        "WARNING",
        "slow",
        "middle",
        502,
    )


def test_a_line_outside_any_span_has_no_ids_and_keeps_exceptions(capture):
    logger, lines = capture
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    (line,) = lines()
    assert "trace_id" not in line and "span_id" not in line
    assert "RuntimeError: boom" in line["exception"]
