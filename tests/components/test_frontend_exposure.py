"""The front end on (much of) the Internet only when the stack acknowledges it: judged over the
whole list of ranges, merged per family, alike by the settings and by the policy pack."""

from __future__ import annotations

import json

import pytest

from components.settings import ConfigError, load_declarations, parse_config
from kit.plan import offline
from policy.kit_rules import RESOURCE_RULES
from tests.policy.policy_pack import stack_resources

AKS = {"cloud": "aks", "region": "japaneast"}
SERVICE = "kubernetes:core/v1:Service"
# Lists that open the front end to the Internet: whole families, split into halves so that no
# entry alone is /0, and more than an IPv4 /8 or an IPv6 /11 in all.
WIDE = (
    ["0.0.0.0/0"],
    ["::/0"],
    ["0.0.0.0/1", "128.0.0.0/1"],
    ["::/1", "8000::/1"],
    ["203.0.113.7/32", "0.0.0.0/1", "128.0.0.0/1"],
    ["0.0.0.0/1"],
    ["10.0.0.0/8", "11.0.0.0/8"],
    ["2000::/11", "2020::/11"],
)
# Lists that stay allowed without the acknowledgement.
NARROW = (
    ["203.0.113.0/24"],
    ["198.51.0.0/16", "203.0.0.0/16"],
    ["2001:db8:1234::/48"],
    ["10.0.0.0/8"],
    ["10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9"],  # overlaps count once
    ["10.0.0.0/8", "2001:db8::/32"],  # a /8 of each family, not two of one
    ["2000::/11"],
)


def settings_problem(cidrs: list[str]) -> str | None:
    try:
        parse_config({**AKS, "frontendAllowedCidrs": json.dumps(cidrs)}, "aks", load_declarations())
    except ConfigError as err:
        (problem,) = err.problems
        return problem
    return None


def policy_problems(cidrs: list[str], annotations: dict[str, str] | None = None) -> list[str]:
    (rule,) = [r for r in RESOURCE_RULES if r.name == "kit-load-balancer-source-ranges"]
    metadata = {"name": "front", "namespace": "o11y-app", "annotations": annotations or {}}
    spec = {"type": "LoadBalancer", "loadBalancerSourceRanges": cidrs}
    return rule.check(SERVICE, {"metadata": metadata, "spec": spec})


@pytest.mark.parametrize("cidrs", WIDE, ids=str)
def test_ranges_that_together_span_the_internet_need_the_acknowledgement(cidrs):
    problem = settings_problem(cidrs)
    assert problem is not None
    (line,) = problem.splitlines()
    assert line.startswith(f"frontendAllowedCidrs = {cidrs}: ")
    assert "opens the front end to the Internet" in line
    assert "at most an IPv4 /8 and an IPv6 /11 in all" in line
    assert "frontendOpenToInternet: true" in line
    assert policy_problems(cidrs) != []

    acknowledged = parse_config(
        {**AKS, "frontendAllowedCidrs": json.dumps(cidrs), "frontendOpenToInternet": "true"},
        "aks",
    )
    assert acknowledged.app.frontend_allowed_cidrs == tuple(cidrs)


@pytest.mark.parametrize("cidrs", NARROW, ids=str)
def test_narrow_cidrs_need_no_acknowledgement(cidrs):
    assert settings_problem(cidrs) is None
    assert policy_problems(cidrs) == []
    config = parse_config({**AKS, "frontendAllowedCidrs": json.dumps(cidrs)}, "aks")
    assert config.app.frontend_allowed_cidrs == tuple(cidrs)


def test_the_message_names_the_family_and_its_entries():
    problem = settings_problem(["198.51.100.7/32", "::/1", "8000::/1"])
    assert "]: ::/1, 8000::/1 span more than an IPv6 /11: " in problem
    assert "198.51.100.7/32" not in problem.split("]: ", 1)[1]


def test_an_acknowledged_open_front_end_passes_the_policy_pack(evaluate):
    """The acknowledgement reaches the Service as an annotation, the only thing of the stack's
    config the pack sees; without it the same Service is refused."""
    ev = evaluate(
        "aks", frontendAllowedCidrs=["0.0.0.0/1", "128.0.0.0/1"], frontendOpenToInternet=True
    )
    (front,) = [r for r in stack_resources(ev) if r.type == SERVICE and r.name.endswith("-front")]
    assert front.props["metadata"]["annotations"] == {"o11y-kit/open-to-internet": "true"}
    assert policy_problems(front.props["spec"]["loadBalancerSourceRanges"], {}) != []
    (rule,) = [r for r in RESOURCE_RULES if r.name == "kit-load-balancer-source-ranges"]
    assert rule.check(front.type, front.props) == []


def test_a_narrow_front_end_carries_no_acknowledgement(evaluate):
    ev = evaluate("aks", frontendAllowedCidrs=["203.0.113.0/24"])
    (front,) = [r for r in stack_resources(ev) if r.type == SERVICE and r.name.endswith("-front")]
    assert "annotations" not in front.props["metadata"]


def test_the_real_program_refuses_an_open_front_end_before_registering_anything():
    monitor = offline.RecordingMonitor(offline.RecordingMocks())
    with pytest.raises(ConfigError, match="0.0.0.0/1, 128.0.0.0/1 span more than an IPv4 /8"):
        offline.evaluate(
            "aks", {"frontendAllowedCidrs": ["0.0.0.0/1", "128.0.0.0/1"]}, monitor=monitor
        )
    assert monitor.registered == []
