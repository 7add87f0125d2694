"""eks: the same trace in X-Ray (its spans, in Transaction Search's `aws/spans` log group) and its
log lines in the stack's CloudWatch application log group
(`/aws/containerinsights/<cluster>/application`, created by the stack)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from components.platforms.eks.log_groups import SPANS_LOG_GROUP, log_group
from kit.cli.checks import Check, run_check
from kit.cli.checks_tempo import TIER_SERVICES
from kit.cli.errors import BackendUnreachableError
from kit.cli.http_json import BackendError

WINDOW = dt.timedelta(minutes=30)
SPANS_READ = 100  # span records read per question
TRACES_TRIED = 5  # recent traces of the last tier looked at, one question each
LOG_LINES_READ = 50


def application_log_group(cluster: str) -> str:
    return log_group("application", cluster)


def w3c_trace_id(xray_id: str) -> str:
    """X-Ray `1-5f84c7a1-0b5e6b0e3f6d9a2c1e4b7d8f` (or an id already in W3C form) -> the W3C/OTLP
    id the logs carry."""
    return xray_id.removeprefix("1-").replace("-", "")


def _aws(call: Callable[[], Any]) -> Any:
    """botocore's errors as the checks' two kinds: cannot ask (no credentials, no endpoint)
    and asked but refused."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return call()
    except (NoCredentialsError, BotoCoreError) as err:
        raise BackendUnreachableError(f"AWS: {err}") from None
    except ClientError as err:
        raise BackendError(f"AWS: {err.response['Error'].get('Message') or err}") from None


def _events(logs, group: str, term: str, now: dt.datetime, limit: int) -> list[dict]:
    """Events of the last WINDOW in `group` whose text holds `term`."""
    answer = _aws(
        lambda: logs.filter_log_events(
            logGroupName=group,
            filterPattern=f'"{term}"',
            startTime=int((now - WINDOW).timestamp() * 1000),
            endTime=int(now.timestamp() * 1000),
            limit=limit,
        )
    )
    return answer.get("events") or []


def _spans(logs, term: str, now: dt.datetime) -> list[dict]:
    """Span records of the last WINDOW in `aws/spans` whose text holds `term`."""
    events = _events(logs, SPANS_LOG_GROUP, term, now, SPANS_READ)
    return [json.loads(event["message"]) for event in events]


def _service(span: dict) -> str | None:
    return ((span.get("resource") or {}).get("attributes") or {}).get("service.name")


def xray_trace(session, now: dt.datetime, found: list[str]) -> Check:
    """A recent trace with spans of all three tiers, read where Transaction Search keeps every
    span (X-Ray's trace summaries index only a share of them, 1% by default); its id goes to
    `found` for the logs check. Only the sample app sends traces, so recent spans of the last
    tier should belong to its requests."""
    last = TIER_SERVICES[-1]

    def probe() -> tuple[bool, str]:
        logs = _aws(lambda: session.client("logs"))
        traces = [s["traceId"] for s in _spans(logs, last, now) if _service(s) == last]
        if not traces:
            return False, f"no span of {last} in {SPANS_LOG_GROUP} in the last 30 minutes"
        for trace_id in list(dict.fromkeys(traces))[:TRACES_TRIED]:
            services = {_service(span) for span in _spans(logs, trace_id, now)}
            if set(TIER_SERVICES) <= services:
                found.append(w3c_trace_id(trace_id))
                return True, f"trace {trace_id} through {', '.join(TIER_SERVICES)}"
        return False, f"{len(set(traces))} traces of {last}, none through all of them"

    return run_check("x-ray: a front -> middle -> back trace", probe)


def cloudwatch_logs(session, cluster: str, trace_id: str | None, now: dt.datetime) -> Check:
    group = application_log_group(cluster)

    def probe() -> tuple[bool, str]:
        if not trace_id:
            return False, "no trace id to look for (neither X-Ray nor Tempo had a trace)"
        logs = _aws(lambda: session.client("logs"))
        events = _events(logs, group, trace_id, now, LOG_LINES_READ)
        if not events:
            return False, f"no log line in {group} mentions trace {trace_id}"
        return True, f"{len(events)} lines in {group} for trace {trace_id}"

    return run_check("cloudwatch logs: log lines of that trace", probe)
