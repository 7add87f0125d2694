"""`python -m kit plan` proves the NetworkPolicies admit every flow the kit needs and refuse the
ones it must not allow (docs/design.md "Network flows" and "Refused flows",
kit/plan/checks/network_flows.py and refused_flows.py, over the kit's objects and the rendered
charts), and fails when one policy goes missing. Loosened policies: test_refused_flows.py."""

from __future__ import annotations

import pytest

from components import network_policies
from kit.plan.stack_plan import plan, summary
from tests.helpers import STACK_NAMES

pytestmark = [pytest.mark.live, pytest.mark.slow]


def _flow_lines(result) -> list[str]:
    return [line for line in summary(result).splitlines() if "DANGLING flow" in line]


VARIANTS = {
    **{stack: (stack, {}) for stack in STACK_NAMES},
    "eks-fargate-middle-back": ("eks", {"fargateTiers": ["middle", "back"]}),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_wanted_flow_is_admitted_and_every_refused_one_refused(tmp_path, variant):
    """Both tables of docs/design.md on every stack; eks always has a Fargate tier (the back
    one), here also with two."""
    stack, overrides = VARIANTS[variant]
    result = plan(stack, tmp_path / "plan", overrides)
    assert _flow_lines(result) == []
    assert result.references.checked["refused flow"] > 0
    assert result.ok


def test_the_plan_fails_without_prometheus_policy(tmp_path, monkeypatch):
    original = network_policies.kit_network_policies

    def without_prometheus(args):
        return [p for p in original(args) if p["metadata"]["name"] != "prometheus"]

    monkeypatch.setattr(network_policies, "kit_network_policies", without_prometheus)
    result = plan("eks", tmp_path / "plan")
    assert not result.ok
    lines = _flow_lines(result)
    writers = ("o11y-agent/otel-cluster-agent", "o11y-agent/otel-fargate-gateway")
    for writer in writers:
        assert any(
            f"flow {writer} -> o11y-monitoring/prometheus 9090/TCP: NetworkPolicy ingress" in line
            for line in lines
        ), lines
