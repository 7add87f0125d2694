"""One JSON object per line on stdout, stamped with the active span's trace and span ids.

The node agent tails container stdout; the ids let a log backend jump from a log line to its
trace. Logs are not also exported over OTLP: that would store every line twice.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from opentelemetry import trace

# Pass extra structured fields with `logger.info("...", extra={FIELDS: {...}})`.
FIELDS = "fields"


class JsonFormatter(logging.Formatter):
    def __init__(self, tier: str) -> None:
        super().__init__()
        self.tier = tier

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "tier": self.tier,
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = trace.format_trace_id(context.trace_id)
            entry["span_id"] = trace.format_span_id(context.span_id)
        entry.update(getattr(record, FIELDS, {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(tier: str, level: str) -> None:
    """Route every logger, the web server's included, through the JSON formatter."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(tier))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; the app's own "served" line already carries the ids.
    logging.getLogger("httpx").setLevel(logging.WARNING)
