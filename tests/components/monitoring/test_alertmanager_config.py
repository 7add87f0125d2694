"""Alertmanager values: routing by severity, the null receiver by default, secrets only as
file paths into a mounted Secret, and the chart's Watchdog/InfoInhibitor behaviour kept."""

from __future__ import annotations

import json

import pytest

from components.alertmanager_config import (
    SECRET_KEYS,
    AlertReceiver,
    ReceiverKind,
    alertmanager_values,
)

WEBHOOK = AlertReceiver(kind="webhook", secret_name="alert-receiver")
EMAIL = AlertReceiver(
    kind=ReceiverKind.EMAIL,
    secret_name="alert-receiver",
    email_to="oncall@example.org",
    email_from="o11y-kit@example.org",
    smtp_smarthost="smtp.example.org:587",
    smtp_username="o11y-kit",
)


def routes(values: dict) -> dict[str, str]:
    """First matcher of each child route -> its receiver."""
    return {r["matchers"][0]: r["receiver"] for r in values["config"]["route"]["routes"]}


def test_without_a_receiver_everything_goes_to_null_and_no_secret_is_mounted():
    values = alertmanager_values(AlertReceiver())
    config = values["config"]
    assert config["route"]["receiver"] == "null"
    assert config["receivers"] == [{"name": "null"}]
    assert set(routes(values).values()) == {"null"}
    assert "alertmanagerSpec" not in values


@pytest.mark.parametrize("receiver", [WEBHOOK, EMAIL], ids=["webhook", "email"])
def test_critical_and_warning_alerts_reach_the_receiver_the_rest_stays_quiet(receiver):
    values = alertmanager_values(receiver)
    assert routes(values) == {
        'alertname = "Watchdog"': "null",
        'alertname = "InfoInhibitor"': "null",
        'severity = "critical"': "o11y-kit",
        'severity = "warning"': "o11y-kit",
    }
    assert values["config"]["route"]["receiver"] == "null"  # info and unlabelled alerts
    critical, warning = values["config"]["route"]["routes"][2:]
    assert (critical["repeat_interval"], warning["repeat_interval"]) == ("1h", "12h")


def test_the_webhook_url_is_read_from_the_mounted_secret():
    values = alertmanager_values(WEBHOOK)
    (webhook,) = values["config"]["receivers"][1]["webhook_configs"]
    assert webhook["url_file"] == "/etc/alertmanager/secrets/alert-receiver/url"
    assert "url" not in webhook
    assert values["alertmanagerSpec"] == {"secrets": ["alert-receiver"]}
    assert SECRET_KEYS[ReceiverKind.WEBHOOK] == ("url",)


def test_the_smtp_password_is_read_from_the_mounted_secret_and_never_inlined():
    values = alertmanager_values(EMAIL)
    (email,) = values["config"]["receivers"][1]["email_configs"]
    assert email["auth_password_file"] == ("/etc/alertmanager/secrets/alert-receiver/smtp-password")
    assert (email["to"], email["smarthost"]) == ("oncall@example.org", "smtp.example.org:587")
    text = json.dumps(values)
    assert 'auth_password"' not in text and 'smtp_auth_password"' not in text
    assert SECRET_KEYS[ReceiverKind.EMAIL] == ("smtp-password",)


def test_the_charts_inhibit_rules_stay():
    rules = alertmanager_values(WEBHOOK)["config"]["inhibit_rules"]
    assert {"target_matchers": ['alertname = "InfoInhibitor"']} in rules
    assert rules[0]["source_matchers"] == ['severity = "critical"']


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"kind": "webhook"}, "needs secret_name"),
        ({"kind": "email", "secret_name": "s"}, "needs email_to"),
        (
            {
                "kind": "email",
                "secret_name": "s",
                "email_to": "a@b",
                "email_from": "c@d",
                "smtp_smarthost": "smtp.example.org",
                "smtp_username": "u",
            },
            "host:port",
        ),
        ({"kind": "slack"}, "is not a valid ReceiverKind"),
    ],
)
def test_incomplete_settings_are_refused(settings, problem):
    with pytest.raises(ValueError, match=problem):
        AlertReceiver(**settings)
