"""Alertmanager routing as kube-prometheus-stack values: by severity to one receiver (a webhook
or e-mail) when one is configured, to the no-op "null" receiver otherwise.

Secrets stay out of the Helm values (kept in clear): they live in a Secret that
`alertmanager.alertmanagerSpec.secrets` mounts, and the config reads the files (`url_file`,
`auth_password_file`, Alertmanager >= 0.26). Not an AlertmanagerConfig CR, whose routes only see
alerts of its own namespace (node alerts have none), nor `alertmanager.configSecret`, which would
drop the chart's defaults (Watchdog, InfoInhibitor, inhibit rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

NULL_RECEIVER = "null"
KIT_RECEIVER = "o11y-kit"
SECRETS_DIR = "/etc/alertmanager/secrets"


class ReceiverKind(StrEnum):
    NONE = "none"
    WEBHOOK = "webhook"
    EMAIL = "email"


# Keys the Kubernetes Secret must hold, per receiver kind.
SECRET_KEYS = {
    ReceiverKind.NONE: (),
    ReceiverKind.WEBHOOK: ("url",),  # the whole URL: webhook URLs often embed a token
    ReceiverKind.EMAIL: ("smtp-password",),
}


@dataclass(frozen=True)
class AlertReceiver:
    """Where alerts go. Only non-secret settings here; secret ones are in `secret_name`."""

    kind: ReceiverKind = ReceiverKind.NONE
    secret_name: str = ""  # Secret in the monitoring namespace holding SECRET_KEYS[kind]
    email_to: str = ""
    email_from: str = ""
    smtp_smarthost: str = ""  # host:port, e.g. smtp.example.org:587
    smtp_username: str = ""
    smtp_require_tls: bool = True

    def __post_init__(self) -> None:
        kind = ReceiverKind(self.kind)  # accepts the config string too
        object.__setattr__(self, "kind", kind)
        problems = []
        if kind is not ReceiverKind.NONE and not self.secret_name:
            problems.append(f"a {kind.value} receiver needs secret_name")
        if kind is ReceiverKind.EMAIL:
            for field in ("email_to", "email_from", "smtp_smarthost", "smtp_username"):
                if not getattr(self, field):
                    problems.append(f"an email receiver needs {field}")
            if ":" not in self.smtp_smarthost:
                problems.append(f"smtp_smarthost {self.smtp_smarthost!r} needs host:port")
        if problems:
            raise ValueError("; ".join(problems))

    def secret_file(self, key: str) -> str:
        return f"{SECRETS_DIR}/{self.secret_name}/{key}"


def _integration(receiver: AlertReceiver) -> dict[str, Any]:
    if receiver.kind is ReceiverKind.WEBHOOK:
        config = {"url_file": receiver.secret_file("url"), "send_resolved": True}
        return {"name": KIT_RECEIVER, "webhook_configs": [config]}
    email = {
        "to": receiver.email_to,
        "from": receiver.email_from,
        "smarthost": receiver.smtp_smarthost,
        "auth_username": receiver.smtp_username,
        "auth_password_file": receiver.secret_file("smtp-password"),
        "require_tls": receiver.smtp_require_tls,
        "send_resolved": True,
    }
    return {"name": KIT_RECEIVER, "email_configs": [email]}


def _routes(receiver: AlertReceiver) -> list[dict[str, Any]]:
    """Watchdog and InfoInhibitor go nowhere, as in the chart; critical alerts fast and hourly,
    warnings grouped longer and twice a day; info stays in the Alertmanager UI."""
    routes: list[dict[str, Any]] = [
        {"receiver": NULL_RECEIVER, "matchers": ['alertname = "Watchdog"']},
        {"receiver": NULL_RECEIVER, "matchers": ['alertname = "InfoInhibitor"']},
    ]
    if receiver.kind is not ReceiverKind.NONE:
        routes += [
            {
                "receiver": KIT_RECEIVER,
                "matchers": ['severity = "critical"'],
                "group_wait": "10s",
                "repeat_interval": "1h",
            },
            {
                "receiver": KIT_RECEIVER,
                "matchers": ['severity = "warning"'],
                "group_wait": "1m",
                "repeat_interval": "12h",
            },
        ]
    return routes


def _inhibit_rules() -> list[dict[str, Any]]:
    """The chart's defaults: a critical alert mutes the warning/info alerts of the same name
    and namespace, a warning mutes info, and InfoInhibitor mutes info alerts."""
    return [
        {
            "source_matchers": ['severity = "critical"'],
            "target_matchers": ['severity =~ "warning|info"'],
            "equal": ["namespace", "alertname"],
        },
        {
            "source_matchers": ['severity = "warning"'],
            "target_matchers": ['severity = "info"'],
            "equal": ["namespace", "alertname"],
        },
        {
            "source_matchers": ['alertname = "InfoInhibitor"'],
            "target_matchers": ['severity = "info"'],
            "equal": ["namespace"],
        },
        {"target_matchers": ['alertname = "InfoInhibitor"']},
    ]


def alertmanager_config(receiver: AlertReceiver) -> dict[str, Any]:
    """The whole alertmanager.yaml (lists in Helm values replace the chart's, so nothing is
    left to merging)."""
    receivers: list[dict[str, Any]] = [{"name": NULL_RECEIVER}]
    if receiver.kind is not ReceiverKind.NONE:
        receivers.append(_integration(receiver))
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": NULL_RECEIVER,
            "group_by": ["alertname", "namespace"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "12h",
            "routes": _routes(receiver),
        },
        "receivers": receivers,
        "inhibit_rules": _inhibit_rules(),
        "templates": ["/etc/alertmanager/config/*.tmpl"],
    }


def alertmanager_values(receiver: AlertReceiver) -> dict[str, Any]:
    """The fragment to deep-merge into kube_prometheus_stack_values()["alertmanager"]."""
    values: dict[str, Any] = {"config": alertmanager_config(receiver)}
    if receiver.kind is not ReceiverKind.NONE:
        values["alertmanagerSpec"] = {"secrets": [receiver.secret_name]}
    return values
