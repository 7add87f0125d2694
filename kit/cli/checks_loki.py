"""Loki: each tier's logs arrive, carrying the trace id (OTLP log records keep it as the
structured metadata `trace_id`, which LogQL filters like a label after the selector)."""

from __future__ import annotations

from components.names import app_workload
from kit.cli.checks import Check, run_check
from kit.cli.http_json import get_json

WINDOW_S = 15 * 60


def query_range(loki: str, query: str, now: float, limit: int = 20) -> list[dict]:
    doc = get_json(
        loki,
        "/loki/api/v1/query_range",
        {
            "query": query,
            "start": int((now - WINDOW_S) * 1e9),
            "end": int(now * 1e9),
            "limit": limit,
            "direction": "backward",
        },
    )
    return doc.get("data", {}).get("result") or []


def _trace_id(stream: dict) -> str:
    """From the stream's labels, or (categorized answers) a value's structured metadata."""
    if stream.get("stream", {}).get("trace_id"):
        return stream["stream"]["trace_id"]
    for value in stream.get("values") or []:
        if len(value) > 2:
            return (value[2].get("structuredMetadata") or {}).get("trace_id", "")
    return ""


def tier_logs(loki: str, tier: str, now: float) -> Check:
    selector = f'{{service_name="{app_workload(tier)}"}}'

    def probe() -> tuple[bool, str]:
        streams = query_range(loki, f'{selector} | trace_id != ""', now)
        lines = sum(len(s.get("values") or []) for s in streams)
        if lines:
            example = next((t for t in map(_trace_id, streams) if t), "")
            return True, f"{lines} recent lines with trace_id (e.g. {example or 'present'})"
        plain = query_range(loki, selector, now, limit=1)
        if plain:
            return False, f"{selector} has logs but none with trace_id structured metadata"
        return False, f"no logs for {selector} in the last 15 minutes"

    return run_check(f"loki: {app_workload(tier)} logs with trace ids", probe)
