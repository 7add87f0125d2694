"""Tempo: one recent trace that went front -> middle -> back, i.e. has a server span of each
tier (the app's services are sample-front, sample-middle, sample-back)."""

from __future__ import annotations

from components.names import APP_TIERS, app_workload
from kit.cli.checks import Check, run_check
from kit.cli.http_json import BackendError, get_json

TIER_SERVICES = tuple(map(app_workload, APP_TIERS))
SERVER_KINDS = (2, "SPAN_KIND_SERVER")  # OTLP JSON: enum number, or its name (Tempo's JSON)
SEARCH_WINDOW_S = 30 * 60
TRACES_TO_OPEN = 5
SEARCH_QUERY = f'{{resource.service.name="{TIER_SERVICES[0]}" && kind=server}}'


def server_services(trace_doc: dict) -> set[str]:
    """Services with at least one server span in a /api/v2/traces (or v1) answer."""
    trace = trace_doc.get("trace", trace_doc)
    found: set[str] = set()
    for resource_spans in trace.get("resourceSpans") or trace.get("batches") or []:
        attributes = (resource_spans.get("resource") or {}).get("attributes") or []
        service = next(
            (a["value"].get("stringValue") for a in attributes if a.get("key") == "service.name"),
            None,
        )
        scopes = resource_spans.get("scopeSpans") or resource_spans.get(
            "instrumentationLibrarySpans"
        )
        for scope in scopes or []:
            if service and any(s.get("kind") in SERVER_KINDS for s in scope.get("spans") or []):
                found.add(service)
    return found


def front_to_back_trace(tempo: str, now: float, found: list[str] | None = None) -> Check:
    """`found` receives the id of the complete trace, for the CloudWatch logs check."""

    def probe() -> tuple[bool, str]:
        search = get_json(
            tempo,
            "/api/search",
            {
                "q": SEARCH_QUERY,
                "start": int(now - SEARCH_WINDOW_S),
                "end": int(now),
                "limit": 20,
            },
        )
        traces = search.get("traces") or []
        if not traces:
            return (
                False,
                f"no {TIER_SERVICES[0]} trace in the last 30 minutes (is traffic flowing?)",
            )
        best: tuple[str, set[str]] = ("", set())
        for summary in traces[:TRACES_TO_OPEN]:
            trace_id = summary["traceID"]
            try:
                services = server_services(get_json(tempo, f"/api/v2/traces/{trace_id}"))
            except BackendError:  # listed by search but not (yet) fetchable: try the next
                continue
            if set(TIER_SERVICES) <= services:
                if found is not None:
                    found.append(trace_id)
                return True, f"trace {trace_id}: server spans of {', '.join(TIER_SERVICES)}"
            if len(services) >= len(best[1]):
                best = (trace_id, services)
        if not best[0]:
            return (
                False,
                f"none of {len(traces[:TRACES_TO_OPEN])} {TIER_SERVICES[0]} traces could be read",
            )
        have = ", ".join(sorted(best[1])) or "none"
        return False, f"no trace reaches back; trace {best[0]} has server spans of {have}"

    return run_check("tempo: a front -> middle -> back trace", probe)
