"""Dashboards: provisioned with the sidecar's label, every panel on the chart's Prometheus
datasource, and every panel query run by promtool against sample series to show it returns
what the panel is meant to show (dashboards.fixture.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components import alert_rules, dashboards
from tests.components.monitoring import promtool_runner as promtool

HERE = Path(__file__).resolve().parent
FIXTURE = yaml.safe_load((HERE / "dashboards.fixture.yaml").read_text())
QUERIES = dashboards.panel_queries()


def test_there_are_the_three_dashboards_with_unique_uids():
    models = dashboards.load()
    assert set(models) == {"cluster-overview", "sample-app-red", "agent-health"}
    assert len({m["uid"] for m in models.values()}) == 3


def test_every_panel_and_query_uses_the_prometheus_datasource_by_uid():
    for model in dashboards.load().values():
        for panel in model["panels"]:
            assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == dashboards.PROMETHEUS_UID


@pytest.mark.live
def test_every_query_is_valid_promql(tmp_path):
    """promtool parses each query as the expression of a recording rule."""
    rules = [{"record": f"panel:query_{i}", "expr": q.expr} for i, q in enumerate(QUERIES)]
    path = promtool.write_rules(tmp_path / "panels.yaml", [{"name": "panels", "rules": rules}])
    result = promtool.run("check", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_query_has_an_expected_result():
    assert sorted(FIXTURE["expected"]) == sorted(q.where for q in QUERIES)
    assert all(FIXTURE["expected"].values()), "each query must be shown returning data"


@pytest.mark.live
def test_every_query_returns_what_its_panel_shows(tmp_path):
    groups = promtool.without_annotations(alert_rules.rule_groups("o11y-app", "o11y-agent"))
    promtool.write_rules(tmp_path / "kit-rules.yaml", groups)
    expr_tests = [
        {
            "expr": f"round(1000 * ({q.expr}))",
            "eval_time": FIXTURE["eval_time"],
            "exp_samples": FIXTURE["expected"][q.where],
        }
        for q in QUERIES
    ]
    test_file = {
        "rule_files": ["kit-rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": FIXTURE["input_series"],
                "promql_expr_test": expr_tests,
            }
        ],
    }
    path = tmp_path / "dashboards.test.yaml"
    path.write_text(yaml.safe_dump(test_file, sort_keys=False))
    result = promtool.run("test", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr
