"""The kit's PrometheusRules through the prometheus-operator's own admission webhook (the
`admission-webhook` binary of the chart's operator version, built by `make e2e-tools`), as the
API server would send them when the chart's webhook is reachable: every stack's rules are
allowed, and a rule with a broken expression is refused, so the check can fail."""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import urllib.request
import uuid

import pytest

from kit.localcluster.controlplane import BIN
from kit.plan import manifests
from tests.helpers import STACK_NAMES, require_tool, wait_for

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("test_rules_admission_live")]

VALIDATE = "/admission-prometheusrules/validate"


@pytest.fixture(scope="module")
def webhook(tmp_path_factory):
    binary = BIN / "admission-webhook"
    require_tool(binary, "the prometheus-operator admission webhook", "run `make e2e-tools`")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("webhook") / "webhook.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(binary), "--web.enable-tls=false", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return True
        except OSError:
            return False

    wait_for(healthy, 20, "the webhook's /healthz")
    yield url
    proc.terminate()
    proc.wait(10)


def review(url: str, obj: dict) -> dict:
    body = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": "monitoring.coreos.com", "version": "v1", "kind": "PrometheusRule"},
            "resource": {
                "group": "monitoring.coreos.com",
                "version": "v1",
                "resource": "prometheusrules",
            },
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "operation": "CREATE",
            "object": obj,
        },
    }
    req = urllib.request.Request(
        url + VALIDATE, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["response"]


def rules_of(evaluated, stack: str) -> list[dict]:
    ev = evaluated(stack)
    objects = [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]
    return [o for o in objects if o["kind"] == "PrometheusRule"]


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_the_operators_webhook_admits_every_rule_of_the_stack(webhook, evaluated, stack):
    rules = rules_of(evaluated, stack)
    assert rules
    for rule in rules:
        answer = review(webhook, rule)
        assert answer["allowed"], answer.get("status")


def test_a_rule_with_a_broken_expression_is_refused(webhook, evaluated):
    rule = copy.deepcopy(rules_of(evaluated, "local")[0])
    rule["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(up[5m]) by"
    answer = review(webhook, rule)
    assert not answer["allowed"]
    assert "parse" in json.dumps(answer.get("status", {})).lower()
