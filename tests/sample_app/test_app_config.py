"""The app's configuration and fault rules, in-process (these modules are standard library only)."""

from __future__ import annotations

import pytest

from tests.sample_app.app_processes import import_app_module

settings = import_app_module("settings")
faults = import_app_module("faults")


def test_settings_defaults_for_a_middle_tier():
    parsed = settings.Settings.from_env({"TIER": "middle", "DOWNSTREAM_URL": "http://back:8080/"})
    assert (parsed.port, parsed.work_ms, parsed.fault_error_ratio) == (8080, 20.0, 0.0)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"TIER": "edge"}, "TIER must be one of"),
        ({"TIER": "front"}, "needs DOWNSTREAM_URL"),
        ({"TIER": "back", "DOWNSTREAM_URL": "http://x/"}, "calls nothing"),
        ({"TIER": "back", "FAULT_ERROR_RATIO": "1.5"}, "FAULT_ERROR_RATIO=1.5 is outside"),
        ({"TIER": "back", "WORK_MS": "fast"}, "WORK_MS must be a number"),
    ],
)
def test_settings_reject_misconfiguration_at_start(env, complaint):
    with pytest.raises(settings.SettingsError, match=complaint):
        settings.Settings.from_env(env)


STANDING = faults.FaultPlan(error_ratio=0.1, extra_latency_ms=5)


def test_fault_headers_without_a_tier_target_every_tier():
    headers = {"x-fault-error-ratio": "1"}
    for tier in ("front", "middle", "back"):
        assert faults.plan_for(tier, STANDING, headers) == faults.FaultPlan(1.0, 5)


def test_fault_headers_leave_untargeted_tiers_on_their_standing_plan():
    headers = {"x-fault-tier": "middle, back", "x-fault-latency-ms": "300"}
    assert faults.plan_for("front", STANDING, headers) == STANDING
    assert faults.plan_for("back", STANDING, headers) == faults.FaultPlan(0.1, 300)


@pytest.mark.parametrize(
    ("ratio", "latency", "expected"),
    [
        ("7", "-3", faults.FaultPlan(1.0, 0.0)),
        ("nan", "1e9", faults.FaultPlan(0.1, faults.MAX_LATENCY_MS)),
        ("lots", "soon", STANDING),
    ],
)
def test_fault_header_values_are_clamped_or_ignored(ratio, latency, expected):
    headers = {"x-fault-error-ratio": ratio, "x-fault-latency-ms": latency}
    assert faults.plan_for("back", STANDING, headers) == expected


def test_the_edge_tier_acts_on_no_caller_headers_and_the_others_on_all():
    headers = {"x-fault-error-ratio": "1"}
    assert faults.from_callers("front", headers) == {}
    assert faults.from_callers("middle", headers) == headers


def test_only_fault_headers_are_forwarded_downstream():
    headers = {"x-fault-tier": "back", "x-fault-error-ratio": "1", "authorization": "secret"}
    assert faults.forwarded(headers) == {"x-fault-tier": "back", "x-fault-error-ratio": "1"}


def test_should_fail_compares_the_draw_with_the_ratio():
    plan = faults.FaultPlan(error_ratio=0.25)
    assert plan.should_fail(lambda: 0.2) and not plan.should_fail(lambda: 0.3)
    assert not faults.FaultPlan().should_fail(lambda: 0.0)
