"""The CRD schema check (kit/plan/checks/crd_schemas.py) rejects what `kubectl apply
--validate=strict` would: unknown fields, wrong types and malformed durations; and
kit.plan.manifests.validate dispatches monitoring.coreos.com kinds to it while built-in kinds
still go to kubernetes-validate."""

from __future__ import annotations

import copy

import pytest

from components.monitoring_content import pod_monitor, prometheus_rule
from kit.plan import manifests
from kit.plan.checks import crd_schemas

pytestmark = pytest.mark.live

RULE = prometheus_rule(
    "o11y-monitoring",
    [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "for": "5m"}]}],
)
MONITOR = pod_monitor("otel-node-agent", "o11y-agent")


def test_the_validator_is_installed():
    """Fails with the install command rather than skipping the CRD checks."""
    assert (crd_schemas.VALIDATOR_DIR / "node_modules").is_dir(), crd_schemas.INSTALL_HINT


def test_valid_custom_resources_pass():
    assert crd_schemas.check([RULE, MONITOR]) == []


def broken(obj: dict, path: list, value) -> dict:
    obj = copy.deepcopy(obj)
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (broken(RULE, ["spec", "groups", 0, "rules", 0, "severity"], "x"), "'\"severity\"'"),
        (broken(RULE, ["spec", "groups", 0, "rules", 0, "for"], "5 minutes"), "pattern"),
        (broken(RULE, ["spec", "groups", 0, "name"], 3), "must be string"),
        (broken(MONITOR, ["spec", "podMetricsEndpoints", 0, "scrapeTimeout"], "1x"), "pattern"),
        (broken(MONITOR, ["spec", "selectr"], {}), "'\"selectr\"'"),
        (broken(MONITOR, ["kind"], "PodMonitr"), "no schema"),
    ],
    ids=["unknown-rule-field", "bad-duration", "wrong-type", "bad-timeout", "typo", "kind"],
)
def test_invalid_custom_resources_are_reported(obj, expected):
    (problem,) = crd_schemas.check([RULE, obj])
    assert problem.index == 1
    assert expected in problem.reason


def test_manifests_validate_routes_each_kind_to_its_schemas():
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "n"},
        "data": {"k": "v"},
        "bogus": 1,
    }
    bad_rule = broken(RULE, ["spec", "bogus"], 1)
    invalid = manifests.validate([config_map, MONITOR, bad_rule])
    assert {(i.object, i.version == crd_schemas.SOURCE) for i in invalid} == {
        ("ConfigMap n/c", False),
        ("PrometheusRule o11y-monitoring/o11y-kit-rules", True),
    }
