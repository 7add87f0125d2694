"""The eks stack's node-health alarms: NotReady/Unknown from the cluster agent's Ready metric,
pressure from Container Insights, both mailing an SNS topic."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from tests.components.platforms.eks.eks_evaluation import outside_view, resolve
from tests.helpers import one

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _alarm(ev, suffix):
    (alarm,) = [a for a in ev.of_type(ALARM) if a.inputs["name"] == f"o11y-kit-eks-{suffix}"]
    return alarm.inputs


def _fires(alarm, datapoint):
    """Whether one datapoint breaches the alarm's threshold, as CloudWatch compares them."""
    compare = {
        "LessThanThreshold": lambda v, t: v < t,
        "GreaterThanThreshold": lambda v, t: v > t,
    }[alarm["comparisonOperator"]]
    return compare(datapoint, alarm["threshold"])


def emf_metrics(config: dict) -> list[dict]:
    """What the cluster agent's awsemf exporters put into CloudWatch, derived from its config as
    the collector applies it: the metrics a pipeline's filter processors let through (OTTL
    `metric.name != "X"` drops all but X), kept by a metric_declarations selector (a regular
    expression, matched as Go's regexp.MatchString does), under the exporter's namespace with
    each declared dimension set; resource attributes a resource processor upserts become the
    dimension values (resource_to_telemetry_conversion)."""
    found = []
    for pipeline in config["service"]["pipelines"].values():
        kept = None
        values = {}
        for processor in pipeline["processors"]:
            settings = config["processors"][processor]
            for condition in settings.get("metric_conditions", []):
                match = re.fullmatch(r'metric\.name != "([^"]+)"', condition)
                kept = {match.group(1)} if match else kept
            for action in settings.get("attributes", []):
                if action.get("action") in ("upsert", "insert") and "value" in action:
                    values[action["key"]] = action["value"]
        for exporter in pipeline["exporters"]:
            if not exporter.startswith("awsemf") or kept is None:
                continue
            settings = config["exporters"][exporter]
            for declaration in settings["metric_declarations"]:
                for name in kept:
                    if any(re.search(s, name) for s in declaration["metric_name_selectors"]):
                        found += [
                            {
                                "namespace": settings["namespace"],
                                "metricName": name,
                                "dimensions": {k: values.get(k) for k in dimension_set},
                            }
                            for dimension_set in declaration["dimensions"]
                        ]
    return found


def _cluster_agent_config(ev) -> dict:
    (config_map,) = [
        r
        for r in ev.of_type("kubernetes:core/v1:ConfigMap")
        if r.inputs["metadata"]["name"] == "otel-cluster-agent"
    ]
    return yaml.safe_load(config_map.inputs["data"]["relay.yaml"])


def _reads_an_emf_metric(alarm: dict, config: dict) -> bool:
    wanted = {
        "namespace": alarm["namespace"],
        "metricName": alarm["metricName"],
        "dimensions": alarm["dimensions"],
    }
    return wanted in emf_metrics(config)


def test_not_ready_alarm_reads_a_metric_the_cluster_agent_exports(evaluated):
    ev = evaluated("eks")
    assert _reads_an_emf_metric(_alarm(ev, "node-not-ready"), _cluster_agent_config(ev))


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c["exporters"]["awsemf/node_ready"].update(namespace="O11yKit/Other"),
        lambda c: c["exporters"]["awsemf/node_ready"]["metric_declarations"][0].update(
            metric_name_selectors=["^k8s\\.node\\.ready$"]
        ),
        lambda c: c["exporters"]["awsemf/node_ready"]["metric_declarations"][0].update(
            dimensions=[["ClusterName", "NodeName"]]
        ),
        lambda c: c["processors"]["filter/node_ready"].update(
            metric_conditions=['metric.name != "k8s.node.condition_memory_pressure"']
        ),
        lambda c: c["processors"]["resource/cloudwatch"]["attributes"][0].update(value="other"),
    ],
    ids=["namespace", "selector", "dimension set", "filter", "cluster name"],
)
def test_the_alarm_no_longer_matches_when_the_exporter_changes(evaluated, break_it):
    ev = evaluated("eks")
    config = copy.deepcopy(_cluster_agent_config(ev))
    break_it(config)
    assert not _reads_an_emf_metric(_alarm(ev, "node-not-ready"), config)


def test_not_ready_alarm_fires_for_any_node_not_ready_or_unknown():
    """Minimum over the cluster-wide series is the worst node's value: 1 Ready, 0 NotReady,
    -1 Unknown. One bad node among healthy ones must breach; all Ready must not."""
    ev, _ = outside_view()
    alarm = _alarm(ev, "node-not-ready")
    assert alarm["statistic"] == "Minimum"
    for nodes, fires in (
        ([1, 1, 1], False),
        ([1, 0, 1], True),  # NotReady
        ([1, 1, -1], True),  # Unknown (node stopped reporting)
    ):
        assert _fires(alarm, min(nodes)) is fires, nodes


def test_both_alarms_evaluate_every_minute_and_fire_after_five_bad_minutes():
    ev, _ = outside_view()
    for suffix in ("node-not-ready", "node-pressure"):
        alarm = _alarm(ev, suffix)
        assert alarm["period"] == 60
        assert alarm["evaluationPeriods"] == 5
        assert alarm["datapointsToAlarm"] == 5


def test_pressure_alarm_fires_on_any_failed_node():
    ev, _ = outside_view()
    alarm = _alarm(ev, "node-pressure")
    assert (alarm["namespace"], alarm["metricName"]) == (
        "ContainerInsights",
        "cluster_failed_node_count",
    )
    assert alarm["dimensions"] == {"ClusterName": "o11y-kit-eks"}
    assert alarm["statistic"] == "Maximum"
    assert not _fires(alarm, 0) and _fires(alarm, 1)


def test_alarms_notify_the_topic_when_firing_and_never_just_for_being_ok():
    ev, _ = outside_view()
    topic_arn = one(ev, TOPIC).outputs["arn"]
    for alarm in ev.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic_arn]
        assert "okActions" not in alarm.inputs  # INSUFFICIENT_DATA -> OK on every first deploy
    assert _alarm(ev, "node-not-ready")["insufficientDataActions"] == [topic_arn]


def _mails(alarm, minutes):
    """The notifications an alarm sends over a minute-by-minute series (None = no datapoint),
    by CloudWatch's documented evaluation (AlarmThatSendsEmail.html, "Configuring how CloudWatch
    alarms treat missing data"): a new alarm starts in INSUFFICIENT_DATA; actions run on state
    changes only; with every point of the window missing, "missing" means INSUFFICIENT_DATA,
    "breaching"/"notBreaching" count the points as bad/good."""
    treat = alarm["treatMissingData"]
    actions = {
        "ALARM": alarm.get("alarmActions"),
        "OK": alarm.get("okActions"),
        "INSUFFICIENT_DATA": alarm.get("insufficientDataActions"),
    }
    state, sent = "INSUFFICIENT_DATA", []
    for end in range(1, len(minutes) + 1):
        window = minutes[max(0, end - alarm["evaluationPeriods"]) : end]
        if len(window) < alarm["evaluationPeriods"]:
            continue
        present = [v for v in window if v is not None]
        if not present and treat == "missing":
            new = "INSUFFICIENT_DATA"
        else:
            bad = sum(_fires(alarm, v) for v in present)
            bad += (len(window) - len(present)) * (treat == "breaching")
            new = "ALARM" if bad >= alarm["datapointsToAlarm"] else "OK"
        if new != state and actions[new]:
            sent.append(new)
        state = new
    return sent


def test_a_fresh_deploy_mails_nothing_while_the_first_metric_is_on_its_way():
    ev, _ = outside_view()
    for suffix, healthy in (("node-not-ready", 1), ("node-pressure", 0)):
        alarm = _alarm(ev, suffix)
        assert _mails(alarm, [None] * 8 + [healthy] * 10) == [], suffix


def test_a_not_ready_node_and_a_silent_cluster_agent_each_mail_once():
    alarm = _alarm(outside_view()[0], "node-not-ready")
    assert _mails(alarm, [1] * 6 + [0] * 6) == ["ALARM"]
    assert _mails(alarm, [1] * 6 + [None] * 6) == ["INSUFFICIENT_DATA"]


def test_the_pressure_alarm_says_it_counts_lost_nodes_too():
    description = _alarm(outside_view()[0], "node-pressure")["alarmDescription"]
    assert "or was lost" in description and "Unknown" in description


def test_each_alert_email_gets_an_email_subscription():
    emails = ["ops@example.com", "dev@example.com"]
    ev, (_, _, alerts) = outside_view(alertEmails=tuple(emails))
    subscriptions = ev.of_type(SUBSCRIPTION)
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(emails)
    assert {s.inputs["protocol"] for s in subscriptions} == {"email"}
    assert {s.inputs["topic"] for s in subscriptions} == {one(ev, TOPIC).outputs["arn"]}
    assert "ops@example.com" in resolve(alerts.next_steps["alert_subscriptions"])


def test_without_emails_the_topic_stands_alone_and_the_outputs_say_how_to_subscribe():
    ev, (_, _, alerts) = outside_view()
    assert ev.of_type(SUBSCRIPTION) == []
    hint = resolve(alerts.next_steps["alert_subscriptions"])
    assert f"--topic-arn {one(ev, TOPIC).outputs['arn']}" in hint
    assert "alertEmails" in hint
    assert alerts.next_steps["alarm_node_not_ready"].endswith(
        "#alarmsV2:alarm/o11y-kit-eks-node-not-ready"
    )
