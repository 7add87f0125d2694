"""`python -m kit plan` fails when objects stop agreeing: the issue's examples, broken in the
components themselves (not in a copy of their output), make the plan fail naming the object
and the dangling name."""

from __future__ import annotations

import dataclasses

import pytest

from components import monitoring
from components.platforms.eks import fargate_sidecar
from kit.plan.stack_plan import plan, summary
from tests.helpers import require_plan_tools

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture(autouse=True)
def plan_tools():
    require_plan_tools()


def _failed(tmp_path, stack: str = "eks") -> list[str]:
    result = plan(stack, tmp_path / "plan")
    assert not result.ok
    return [line for line in summary(result).splitlines() if "DANGLING" in line]


def test_the_sidecar_no_longer_mounting_the_app_log_volume_fails_the_plan(tmp_path, monkeypatch):
    original = fargate_sidecar.app_log_files
    monkeypatch.setattr(
        fargate_sidecar,
        "app_log_files",
        lambda: dataclasses.replace(original(), volume_mounts=()),
    )
    assert any(
        "sample-back container otel-collector: collector file_log/stdout path names "
        "/var/log/app/stdout.*.log, under no mount of the container" in line
        for line in _failed(tmp_path)
    )


def test_the_app_log_dir_differing_from_its_mount_fails_the_plan(tmp_path, monkeypatch):
    original = fargate_sidecar.wrap_app

    def wrap_then_move_the_log_dir(app, chunks):
        original(app, chunks)
        next(e for e in app["env"] if e["name"] == "APP_LOG_DIR")["value"] = "/var/log/app-logs"

    monkeypatch.setattr(fargate_sidecar, "wrap_app", wrap_then_move_the_log_dir)
    assert any("which no writer's env names" in line for line in _failed(tmp_path))


def test_grafana_reading_a_key_the_secret_lacks_fails_the_plan(tmp_path, monkeypatch):
    """The charts' rendered objects go through the same checks: Grafana's passwordKey set to a
    key the kit's Secret does not have, rendered by the pinned helm, fails the plan."""
    original = monitoring.kube_prometheus_stack_values

    def wrong_key(*args, **kwargs):
        values = original(*args, **kwargs)
        values["grafana"]["admin"]["passwordKey"] = "admin-pass"
        return values

    monkeypatch.setattr(monitoring, "kube_prometheus_stack_values", wrong_key)
    found = _failed(tmp_path, "local")
    assert any(
        "Deployment o11y-monitoring/kps-grafana: a Secret key reference names Secret "
        "o11y-monitoring/grafana-admin key(s) ['admin-pass']" in line
        for line in found
    ), found


def test_plan_reports_the_reference_checks_with_counts(tmp_path):
    result = plan("local", tmp_path / "plan")
    assert result.ok
    (line,) = [x for x in summary(result).splitlines() if x.startswith("reference checks")]
    charts = sum(len(release.objects) for release in result.releases)
    assert charts > 100  # the three rendered charts are in
    assert line.startswith(f"reference checks over {len(result.objects) + charts} objects and 3 ")
    assert line.endswith("): all resolve")
