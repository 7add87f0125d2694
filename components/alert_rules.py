"""The kit's Prometheus rules as plain rule groups (the `groups:` of a rule file, which is also
the `spec.groups` of a PrometheusRule), so promtool can check and unit-test exactly what is
deployed.

Metric names are those Prometheus stores: OTLP metrics translated with
UnderscoreEscapingWithSuffixes (`k8s.node.condition_ready` -> `k8s_node_condition_ready`,
`service.name` -> `job`), the collector's own as its :8888 endpoint exposes them (no `_total`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Rule = dict[str, Any]
Group = dict[str, Any]

CRITICAL = "critical"
WARNING = "warning"

# --- Sample app SLOs (front, the tier users call) -------------------------------------------
# Availability: 99% of front requests answer without a 5xx, over 30 days.
# Latency: 99% of front requests are answered within 300 ms, over 30 days.
# 300 ms is a bucket edge of the app's duration histogram (sample-app/telemetry.py).
FRONT_JOB = "sample-front"
APP_JOBS = "sample-(front|middle|back)"
AVAILABILITY_OBJECTIVE = 0.99
LATENCY_OBJECTIVE = 0.99
LATENCY_THRESHOLD_LE = "0.3"
DURATION = "http_server_request_duration_seconds"
# Google SRE workbook, "Alerting on SLOs" (multiwindow, multi-burn-rate): a long window that
# proves the budget is really burning and a short one that stops the alert soon after recovery.
# 14.4x over 1h spends 2% of a 30-day budget; 6x over 6h spends 5%.
BURN_RATE_ALERTS = (
    # (long window, short window, burn rate, severity, for)
    ("1h", "5m", 14.4, CRITICAL, "2m"),
    ("6h", "30m", 6.0, WARNING, "15m"),
)
SLI_WINDOWS = ("5m", "30m", "1h", "6h")

# --- Agent ------------------------------------------------------------------------------------
NODE_AGENT = "otel-node-agent"
CLUSTER_AGENT = "otel-cluster-agent"
# eks with Fargate only (they match nothing elsewhere): the sidecars' gateway, and the sidecars
# themselves, whose PodMonitor in the app namespace has this name.
FARGATE_GATEWAY = "otel-fargate-gateway"
FARGATE_SIDECAR = "otel-fargate-sidecar"
SIGNALS = ("spans", "metric_points", "log_records")
# Collector self-telemetry counters, by the label that names the component.
AGENT_COUNTERS = {
    "receiver_accepted": "receiver",
    "receiver_refused": "receiver",
    "exporter_sent": "exporter",
    "exporter_send_failed": "exporter",
    "exporter_enqueue_failed": "exporter",
}
NOT_READY_FOR = "5m"
# A healthy exporter's queue is near empty between batches; a tenth full for 15 minutes is a
# backlog that is not draining.
BACKLOG_RATIO = 0.1


def agent_job(agent_namespace: str, workload: str) -> str:
    """The `job` label Prometheus gives a PodMonitor's targets: `<namespace>/<name>`."""
    return f"{agent_namespace}/{workload}"


def agent_jobs(agent_namespace: str, node_namespace: str, app_namespace: str | None) -> str:
    """Every collector's job, as a regex alternation: node and cluster agents, the Fargate
    gateway and (with the app's namespace) the Fargate sidecars."""
    jobs = [
        agent_job(node_namespace, NODE_AGENT),
        agent_job(agent_namespace, CLUSTER_AGENT),
        agent_job(agent_namespace, FARGATE_GATEWAY),
    ]
    if app_namespace is not None:
        jobs.append(agent_job(app_namespace, FARGATE_SIDECAR))
    return "|".join(jobs)


def agent_rate(counter: str) -> str:
    """Recorded per-second rate of one self-telemetry counter, all signals, with `signal`."""
    return f"otelcol:{counter}_items:rate5m"


def sli_error_ratio(window: str) -> str:
    return f"sample_app:request_errors:ratio_rate{window}"


def sli_slow_ratio(window: str) -> str:
    return f"sample_app:requests_slow:ratio_rate{window}"


def _alert(
    name: str, expr: str, for_: str, severity: str, summary: str, description: str, hint: str
) -> Rule:
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity},
        "annotations": {"summary": summary, "description": description, "runbook": hint},
    }


def node_rules() -> Group:
    """Node Ready condition from kube-state-metrics, Prometheus' one source of workload state
    (docs/design.md): the cluster agent no longer sends its own copy."""
    return {
        "name": "o11y-kit.nodes",
        "rules": [
            _alert(
                "NodeNotReady",
                'kube_node_status_condition{condition="Ready",status=~"false|unknown"} == 1',
                NOT_READY_FOR,
                CRITICAL,
                "Node {{ $labels.node }} is {{ $labels.status }} (not Ready) for 5 minutes",
                "kube-state-metrics reports the Ready condition of node {{ $labels.node }} as "
                "{{ $labels.status }}: pods there are not scheduled and may be evicted.",
                "kubectl describe node {{ $labels.node }}  (Conditions and Events); "
                "kubectl get pods -A -o wide --field-selector spec.nodeName={{ $labels.node }}",
            ),
        ],
    }


def agent_rate_rules(
    agent_namespace: str, node_namespace: str | None = None, app_namespace: str | None = None
) -> Group:
    """Per-signal rates of the collector's own counters, one recorded name per counter with a
    `signal` label, so alerts and dashboards need one selector instead of three."""
    node_ns = node_namespace or agent_namespace
    jobs = agent_jobs(agent_namespace, node_ns, app_namespace)
    rules = []
    for counter, component in AGENT_COUNTERS.items():
        for signal in SIGNALS:
            rules.append(
                {
                    "record": agent_rate(counter),
                    "expr": f"sum by (namespace, job, pod, node, {component}) "
                    f'(rate(otelcol_{counter}_{signal}{{job=~"{jobs}"}}[5m]))',
                    "labels": {"signal": signal},
                }
            )
    return {"name": "o11y-kit.agent.rates", "rules": rules}


def agent_rules(
    agent_namespace: str, node_namespace: str | None = None, app_namespace: str | None = None
) -> Group:
    """The agent is missing somewhere, or running but losing data. The node agent runs in
    `node_namespace` (the privileged one) where given, else next to the cluster agent."""
    ns, node_ns = agent_namespace, node_namespace or agent_namespace
    node_job = agent_job(node_ns, NODE_AGENT)
    cluster_job = agent_job(ns, CLUSTER_AGENT)
    logs_hint = f"kubectl -n {ns} logs"
    jobs = agent_jobs(ns, node_ns, app_namespace)
    node_logs_hint = f"kubectl -n {node_ns} logs"
    # Either agent's pod: its namespace is the first part of the PodMonitor's job label.
    any_logs_hint = 'kubectl -n {{ reReplaceAll "/.*" "" $labels.job }} logs'
    return {
        "name": "o11y-kit.agent",
        "rules": [
            _alert(
                "OtelNodeAgentUnavailable",
                "kube_daemonset_status_number_unavailable"
                f'{{namespace="{node_ns}",daemonset="{NODE_AGENT}"}} > 0',
                "10m",
                WARNING,
                "{{ $value }} node(s) run no available node agent for 10 minutes",
                "The DaemonSet has pods that are missing or not ready: those nodes send no "
                "container logs, kubelet metrics or app traces.",
                f"kubectl -n {node_ns} get pods -o wide -l app.kubernetes.io/name={NODE_AGENT}; "
                f"kubectl -n {node_ns} describe daemonset {NODE_AGENT}",
            ),
            _alert(
                "OtelNodeAgentDown",
                f'up{{job="{node_job}"}} == 0',
                "5m",
                WARNING,
                "Node agent {{ $labels.pod }} on {{ $labels.node }} does not answer for 5 minutes",
                "Prometheus cannot scrape the collector's own metrics on :8888: the collector "
                "is hung, restarting or unreachable.",
                f"{node_logs_hint} {{{{ $labels.pod }}}}; kubectl -n {node_ns} describe pod "
                "{{ $labels.pod }}",
            ),
            _alert(
                "OtelClusterAgentAbsent",
                f'absent(up{{job="{cluster_job}"}} == 1)',
                "5m",
                CRITICAL,
                "The cluster agent is absent or down for 5 minutes",
                "No healthy cluster agent: node conditions, workload state and Kubernetes "
                "events are not collected.",
                f"kubectl -n {ns} get deployment,pods -l app.kubernetes.io/name={CLUSTER_AGENT}; "
                f"{logs_hint} deployment/{CLUSTER_AGENT}",
            ),
            _alert(
                "OtelAgentRefusingData",
                f"{agent_rate('receiver_refused')} > 0",
                "10m",
                WARNING,
                "{{ $labels.pod }} refuses {{ $labels.signal }} at {{ $labels.receiver }}",
                "The receiver refuses data (usually memory_limiter back-pressure); senders "
                "retry, but data is lost if it lasts.",
                f"{any_logs_hint} {{{{ $labels.pod }}}} | grep -i memory; Grafana dashboard "
                "'o11y-kit / Agent health'",
            ),
            _alert(
                "OtelAgentExportFailing",
                f"{agent_rate('exporter_send_failed')} > 0",
                "10m",
                WARNING,
                "{{ $labels.pod }} fails to send {{ $labels.signal }} via {{ $labels.exporter }}",
                "Exports fail for good: the backend rejects the data (an outage shows as "
                "OtelAgentExportBacklog instead, since retries never give up).",
                f"{any_logs_hint} {{{{ $labels.pod }}}} | grep -i {{{{ $labels.exporter }}}}",
            ),
            # Retrying forever, an outage never moves exporter_send_failed (counted after the
            # retries: exporterhelper base_exporter.go); it shows as a queue not draining.
            _alert(
                "OtelAgentExportBacklog",
                f'otelcol_exporter_queue_size{{job=~"{jobs}"}} '
                f'/ otelcol_exporter_queue_capacity{{job=~"{jobs}"}} > {BACKLOG_RATIO}',
                "15m",
                WARNING,
                "{{ $labels.pod }}: {{ $labels.exporter }} queue holds "
                "{{ $value | humanizePercentage }} of its capacity for 15 minutes",
                "Exports are being retried and not getting through (backend down, unreachable "
                "or too slow); nothing is lost until the queue is full (OtelAgentQueueFull).",
                f"{any_logs_hint} {{{{ $labels.pod }}}} | grep -i {{{{ $labels.exporter }}}}",
            ),
            _alert(
                "OtelAgentQueueFull",
                f"{agent_rate('exporter_enqueue_failed')} > 0",
                "10m",
                CRITICAL,
                "{{ $labels.pod }} drops {{ $labels.signal }}: {{ $labels.exporter }} queue full",
                "The sending queue is full, so new data is dropped: the backend has been "
                "unavailable or slower than the input for a long time.",
                f"{any_logs_hint} {{{{ $labels.pod }}}}; check the backend behind "
                "{{ $labels.exporter }}",
            ),
        ],
    }


def _ratio_of_requests(selector: str, window: str) -> str:
    """Share of app requests matching `selector`, per tier; 0 (not absent) when none match."""
    total = f'sum by (job) (rate({DURATION}_count{{job=~"{APP_JOBS}"}}[{window}]))'
    matching = f'sum by (job) (rate({DURATION}_count{{job=~"{APP_JOBS}",{selector}}}[{window}]))'
    return f"({matching} or {total} * 0) / {total}"


def sli_rules() -> Group:
    """Error and slow-request ratios per tier and window (the SLO alerts and the RED dashboard
    read these)."""
    rules = []
    for window in SLI_WINDOWS:
        rules.append(
            {
                "record": sli_error_ratio(window),
                "expr": _ratio_of_requests('http_response_status_code=~"5.."', window),
            }
        )
        fast_bucket = f'{DURATION}_bucket{{job=~"{APP_JOBS}",le="{LATENCY_THRESHOLD_LE}"}}'
        fast = f"sum by (job) (rate({fast_bucket}[{window}]))"
        total = f'sum by (job) (rate({DURATION}_count{{job=~"{APP_JOBS}"}}[{window}]))'
        rules.append({"record": sli_slow_ratio(window), "expr": f"1 - {fast} / {total}"})
    return {"name": "o11y-kit.sample-app.sli", "rules": rules}


@dataclass(frozen=True)
class BurnRateAlert:
    """One SLO alert: budget burning `rate` times too fast over both windows."""

    sli: str  # "Error" or "Latency"
    objective: float
    ratio: Callable[[str], str]
    long_window: str
    short_window: str
    rate: float
    severity: str
    for_: str

    def rule(self, app_namespace: str) -> Rule:
        budget = round(1 - self.objective, 6)
        threshold = round(self.rate * budget, 6)
        front = f'{{job="{FRONT_JOB}"}}'
        what = "errors (5xx)" if self.sli == "Error" else "slower than 300 ms"
        speed = "Fast" if self.severity == CRITICAL else "Slow"
        long_, short = self.long_window, self.short_window
        burning = [f"{self.ratio(w)}{front} > {threshold}" for w in (long_, short)]
        return _alert(
            f"SampleApp{self.sli}BudgetBurn{speed}",
            " and ".join(burning),
            self.for_,
            self.severity,
            f"Front requests {what}: SLO budget burning {self.rate:g}x too fast",
            f"{{{{ $value | humanizePercentage }}}} of front requests were {what} over the last "
            f"{long_}, and more than {threshold:.1%} still over the last {short}; the "
            f"{self.objective:.1%} objective allows {budget:.1%} over 30 days.",
            "Grafana dashboards 'o11y-kit / Sample app RED'; failing or slow traces in Grafana "
            f"Explore (Tempo); kubectl -n {app_namespace} logs deployment/{FRONT_JOB}",
        )


def slo_rules(app_namespace: str) -> Group:
    """Multiwindow, multi-burn-rate alerts on the front's availability and latency SLOs."""
    slis = (
        ("Error", AVAILABILITY_OBJECTIVE, sli_error_ratio),
        ("Latency", LATENCY_OBJECTIVE, sli_slow_ratio),
    )
    rules = [
        BurnRateAlert(sli, objective, ratio, *windows).rule(app_namespace)
        for windows in BURN_RATE_ALERTS
        for sli, objective, ratio in slis
    ]
    return {"name": "o11y-kit.sample-app.slo", "rules": rules}


def rule_groups(
    app_namespace: str, agent_namespace: str | None, node_namespace: str | None = None
) -> list[Group]:
    """Every rule group of the kit; the agent's only where the agent runs (its absence would
    otherwise be an alert)."""
    groups = [node_rules(), sli_rules(), slo_rules(app_namespace)]
    if agent_namespace is not None:
        groups[1:1] = [
            agent_rate_rules(agent_namespace, node_namespace, app_namespace),
            agent_rules(agent_namespace, node_namespace, app_namespace),
        ]
    return groups


def alert_names(groups: list[Group]) -> list[str]:
    return [r["alert"] for g in groups for r in g["rules"] if "alert" in r]
