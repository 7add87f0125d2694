"""Secrets the charts read, by name and key from the Helm values, against the Secret objects the
plan creates (their keys read from the objects, not from the kit's constants).

Grafana reads `admin.existingSecret` with `admin.userKey`/`admin.passwordKey` (grafana chart
values.yaml). The prometheus-operator mounts each Secret of `alertmanagerSpec.secrets` at
/etc/alertmanager/secrets/<name>/ (one file per key; operator API docs, AlertmanagerSpec.secrets),
so every `*_file` path there in the Alertmanager config names a Secret and key.
"""

from __future__ import annotations

import copy

import pytest

from kit.plan.offline import Secret

RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET = "kubernetes:core/v1:Secret"
OPERATOR_SECRETS_DIR = "/etc/alertmanager/secrets/"


def _secret_keys(ev, namespace: str) -> dict[str, set[str]]:
    keys = {}
    for secret in ev.of_type(SECRET):
        meta = secret.inputs["metadata"]
        if meta.get("namespace") == namespace:
            data = secret.inputs.get("stringData") or secret.inputs.get("data") or {}
            keys[meta["name"]] = set(data.value if isinstance(data, Secret) else data)
    return keys


def _files(value, found: list[str]) -> list[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_file") and isinstance(item, str):
                found.append(item)
            _files(item, found)
    elif isinstance(value, list):
        for item in value:
            _files(item, found)
    return found


def unresolved(ev, kps_values: dict | None = None) -> list[str]:
    """Secret names and keys the kube-prometheus-stack values read that no Secret has."""
    (kps,) = [r.inputs for r in ev.of_type(RELEASE) if r.inputs["name"] == "kps"]
    values = kps_values or kps["values"]
    keys = _secret_keys(ev, kps["namespace"])
    problems = []
    admin = values["grafana"]["admin"]
    for field in ("userKey", "passwordKey"):
        have = keys.get(admin["existingSecret"], set())
        if admin[field] not in have:
            problems.append(f"grafana {field} {admin['existingSecret']}/{admin[field]}")
    alertmanager = values["alertmanager"]
    mounted = set(alertmanager["alertmanagerSpec"].get("secrets", []))
    for path in _files(alertmanager["config"], []):
        name, _, key = path.removeprefix(OPERATOR_SECRETS_DIR).partition("/")
        if not path.startswith(OPERATOR_SECRETS_DIR) or name not in mounted:
            problems.append(f"alertmanager {path}: not a mounted Secret")
        elif key not in keys.get(name, set()):
            problems.append(f"alertmanager {path}: Secret {name} has no key {key}")
    return problems


RECEIVERS = {
    "none": {},
    "webhook": {"alertReceiver": "webhook", "alertWebhookUrl": "https://hooks.example.com/x"},
    "email": {
        "alertReceiver": "email",
        "alertEmails": '["ops@example.com"]',
        "alertSmtpSmarthost": "smtp.example.com:587",
        "alertSmtpFrom": "kit@example.com",
        "alertSmtpUsername": "kit",
        "alertSmtpPassword": "s3cret-pass",
    },
}


@pytest.mark.parametrize("receiver", RECEIVERS)
def test_every_secret_key_the_charts_read_exists(evaluate, receiver):
    ev = evaluate("local", **RECEIVERS[receiver])
    assert unresolved(ev) == []


def test_a_key_the_secret_lacks_is_found(evaluate):
    ev = evaluate("local", **RECEIVERS["webhook"])
    (kps,) = [r.inputs for r in ev.of_type(RELEASE) if r.inputs["name"] == "kps"]
    values = copy.deepcopy(kps["values"])
    values["grafana"]["admin"]["passwordKey"] = "password"
    (hook,) = [r for r in values["alertmanager"]["config"]["receivers"] if r["name"] != "null"]
    hook["webhook_configs"][0]["url_file"] += "-old"
    assert unresolved(ev, values) == [
        "grafana passwordKey grafana-admin/password",
        "alertmanager /etc/alertmanager/secrets/alertmanager-receiver/url-old: "
        "Secret alertmanager-receiver has no key url-old",
    ]
