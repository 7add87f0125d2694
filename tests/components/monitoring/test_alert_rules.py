"""The kit's Prometheus rules checked and unit-tested by promtool itself: each alert is shown
firing on bad data and silent on healthy data and on short blips (fixtures *.test.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from components import alert_rules
from tests.components.monitoring import promtool_runner as promtool

HERE = Path(__file__).resolve().parent
FIXTURES = sorted(HERE.glob("*.test.yaml"))
GROUPS = alert_rules.rule_groups("o11y-app", "o11y-agent")
ALERTS = alert_rules.alert_names(GROUPS)


@pytest.fixture
def rule_dir(tmp_path: Path) -> Path:
    """The fixtures next to the rules they load: with and without annotations."""
    promtool.write_rules(tmp_path / "kit-rules.yaml", promtool.without_annotations(GROUPS))
    promtool.write_rules(tmp_path / "kit-rules-annotated.yaml", GROUPS)
    for fixture in FIXTURES:
        shutil.copy(fixture, tmp_path)
    return tmp_path


def cases() -> list[dict]:
    return [
        case | {"fixture": f.name}
        for f in FIXTURES
        for test in yaml.safe_load(f.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]


@pytest.mark.live
def test_promtool_accepts_the_rules(rule_dir):
    result = promtool.run("check", "rules", rule_dir / "kit-rules-annotated.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("fixture", [f.name for f in FIXTURES])
@pytest.mark.live
def test_promtool_unit_tests_pass(rule_dir, fixture):
    result = promtool.run("test", "rules", rule_dir / fixture)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_shown_firing_and_silent():
    firing = {c["alertname"] for c in cases() if c["exp_alerts"]}
    silent = {c["alertname"] for c in cases() if not c["exp_alerts"]}
    assert set(ALERTS) == firing == silent


def test_node_alerts_are_silent_at_4_and_firing_at_6_minutes_after_notready():
    """nodes.test.yaml takes node n1 NotReady at 0m; the for: 5m must show in between."""
    node_cases = [c for c in cases() if c["fixture"] == "nodes.test.yaml"]
    at = {c["eval_time"]: c["exp_alerts"] for c in node_cases if c["alertname"] == "NodeNotReady"}
    assert at["4m"] == []
    assert [a["exp_labels"]["node"] for a in at["6m"]] == ["n1"]


def test_every_alert_has_a_severity_and_annotations_that_say_where_to_look():
    alerts = [r for g in GROUPS for r in g["rules"] if "alert" in r]
    for alert in alerts:
        assert alert["labels"]["severity"] in ("critical", "warning"), alert["alert"]
        notes = alert["annotations"]
        assert notes["summary"] and notes["description"], alert["alert"]
        assert "kubectl" in notes["runbook"] or "Grafana" in notes["runbook"], alert["alert"]


def test_node_alerts_wait_five_minutes_on_the_conditions_the_issue_names():
    rules = {r["alert"]: r for r in alert_rules.node_rules()["rules"]}
    assert rules["NodeNotReady"]["expr"] == (
        'kube_node_status_condition{condition="Ready",status=~"false|unknown"} == 1'
    )
    assert set(rules) == {"NodeNotReady"}  # one source per signal: kube-state-metrics
    assert {r["for"] for r in rules.values()} == {"5m"}


def test_slo_alerts_use_the_workbook_windows_and_burn_rates():
    slo = {r["alert"]: r for r in alert_rules.slo_rules("o11y-app")["rules"]}
    fast = slo["SampleAppErrorBudgetBurnFast"]["expr"]
    slow = slo["SampleAppLatencyBudgetBurnSlow"]["expr"]
    assert "ratio_rate1h" in fast and "ratio_rate5m" in fast and "> 0.144" in fast
    assert "ratio_rate6h" in slow and "ratio_rate30m" in slow and "> 0.06" in slow


def test_without_an_agent_no_rule_mentions_it():
    groups = alert_rules.rule_groups("o11y-app", None)
    assert "otelcol" not in yaml.safe_dump(groups)
    assert "otel-node-agent" not in yaml.safe_dump(groups)
