"""eks: the same trace in X-Ray and its log lines in the stack's CloudWatch application log
group (`/aws/containerinsights/<cluster>/application`, created by the stack)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from components.platforms.eks.log_groups import log_group
from kit.cli.checks import Check, run_check
from kit.cli.checks_tempo import TIER_SERVICES
from kit.cli.errors import BackendUnreachableError
from kit.cli.http_json import BackendError

WINDOW = dt.timedelta(minutes=30)
BATCH = 5  # BatchGetTraces takes at most 5 ids


def application_log_group(cluster: str) -> str:
    return log_group("application", cluster)


def w3c_trace_id(xray_id: str) -> str:
    """X-Ray `1-5f84c7a1-0b5e6b0e3f6d9a2c1e4b7d8f` -> the W3C/OTLP id the logs carry."""
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


def _segment_services(xray, trace_ids: list[str]) -> dict[str, set[str]]:
    """Trace id -> names of its segments; the awsxray exporter names a server span's segment
    after the service."""
    answer = _aws(lambda: xray.batch_get_traces(TraceIds=trace_ids[:BATCH]))
    return {
        trace["Id"]: {json.loads(seg["Document"]).get("name") for seg in trace.get("Segments", [])}
        for trace in answer.get("Traces") or []
    }


def xray_trace(session, now: dt.datetime, found: list[str]) -> Check:
    """A recent trace with segments of all three tiers; its id goes to `found` for the logs
    check. Only the sample app sends traces, so any recent trace should be one of its requests."""

    def probe() -> tuple[bool, str]:
        xray = _aws(lambda: session.client("xray"))
        answer = _aws(lambda: xray.get_trace_summaries(StartTime=now - WINDOW, EndTime=now))
        summaries = answer.get("TraceSummaries") or []
        if not summaries:
            return False, "no trace in X-Ray in the last 30 minutes (is traffic flowing?)"
        services = {s["Id"]: {i.get("Name") for i in s.get("ServiceIds") or []} for s in summaries}
        if not any(set(TIER_SERVICES) <= names for names in services.values()):
            services = _segment_services(xray, [s["Id"] for s in summaries])
        for trace_id, names in services.items():
            if set(TIER_SERVICES) <= names:
                found.append(w3c_trace_id(trace_id))
                return True, f"trace {trace_id} through {', '.join(TIER_SERVICES)}"
        return False, f"{len(summaries)} traces, none through all of {', '.join(TIER_SERVICES)}"

    return run_check("x-ray: a front -> middle -> back trace", probe)


def cloudwatch_logs(session, cluster: str, trace_id: str | None, now: dt.datetime) -> Check:
    group = application_log_group(cluster)

    def probe() -> tuple[bool, str]:
        if not trace_id:
            return False, "no trace id to look for (neither X-Ray nor Tempo had a trace)"
        logs = _aws(lambda: session.client("logs"))
        answer = _aws(
            lambda: logs.filter_log_events(
                logGroupName=group,
                filterPattern=f'"{trace_id}"',
                startTime=int((now - WINDOW).timestamp() * 1000),
                endTime=int(now.timestamp() * 1000),
                limit=50,
            )
        )
        events = answer.get("events") or []
        if not events:
            return False, f"no log line in {group} mentions trace {trace_id}"
        return True, f"{len(events)} lines in {group} for trace {trace_id}"

    return run_check("cloudwatch logs: log lines of that trace", probe)
