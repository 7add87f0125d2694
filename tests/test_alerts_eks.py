"""The eks stack's node-health alarms: NotReady/Unknown from the cluster agent's Ready metric,
pressure from Container Insights, both mailing an SNS topic."""

from __future__ import annotations

from helpers import one
from test_cluster_eks import resolve
from test_workspace_eks import outside_view

import agent

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


def test_not_ready_alarm_reads_the_metric_the_cluster_agent_exports():
    ev, _ = outside_view()
    alarm = _alarm(ev, "node-not-ready")
    assert alarm["namespace"] == agent.NODE_READY_NAMESPACE
    assert alarm["metricName"] == agent.NODE_READY_METRIC
    assert tuple(alarm["dimensions"]) in agent.NODE_READY_DIMENSIONS
    assert alarm["dimensions"] == {"ClusterName": "o11y-kit-eks"}


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
    assert alarm["treatMissingData"] == "breaching"  # a silent cluster agent is not "healthy"


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


def test_alarms_notify_the_topic_when_firing_and_recovering():
    ev, _ = outside_view()
    topic_arn = one(ev, TOPIC).outputs["arn"]
    for alarm in ev.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic_arn]
        assert alarm.inputs["okActions"] == [topic_arn]


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
