"""The policy pack's rules against what each stack registers (all must pass) and against
deliberately broken resources (each must be rejected)."""

from __future__ import annotations

import pytest

import agent
from components import namespaces
from policy.kit_rules import RESOURCE_RULES, STACK_RULES
from policy.kit_rules.kubernetes import FARGATE_SCRAPER_ACCOUNT
from tests.helpers import STACK_NAMES
from tests.policy.policy_pack import (
    BROKEN_CASES,
    BROKEN_STACK_CASES,
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    NETWORK_POLICY,
    broken_resources,
    broken_stacks,
    rule,
    stack_resources,
)


@pytest.mark.parametrize("stack", STACK_NAMES)
@pytest.mark.parametrize("checked", RESOURCE_RULES, ids=lambda r: r.name)
def test_every_resource_of_every_stack_passes(evaluated, stack, checked):
    violations = {
        r.name: found
        for r in stack_resources(evaluated(stack))
        if (found := checked.check(r.type, r.props))
    }
    assert violations == {}


@pytest.mark.parametrize("stack", STACK_NAMES)
@pytest.mark.parametrize("checked", STACK_RULES, ids=lambda r: r.name)
def test_every_stack_passes_every_stack_rule(evaluated, stack, checked):
    assert checked.check(stack_resources(evaluated(stack))) == []


def test_the_eks_rules_are_not_vacuous(evaluated):
    """eks has what the vpc-cni and IRSA rules look at: they would pass on nothing."""
    resources = stack_resources(evaluated("eks"))
    assert {r.props.get("addonName") for r in resources} >= {"vpc-cni"}
    trusted = [r for r in resources if "oidc-provider/" in r.props.get("assumeRolePolicy", "")]
    assert len(trusted) == 2, "the collectors' role and the VPC CNI's"


def test_the_scraper_account_is_the_programs_cluster_agent(evaluated):
    assert (namespaces.AGENT.name, agent.FARGATE_SCRAPER) == FARGATE_SCRAPER_ACCOUNT
    granting = [
        r
        for r in stack_resources(evaluated("eks"))
        if r.type == CLUSTER_ROLE
        and any("nodes/proxy" in x.get("resources", []) for x in r.props["rules"])
    ]
    assert len(granting) == 1, "eks scrapes the Fargate kubelets: the rule must not be vacuous"


def test_every_rule_has_a_broken_resource_it_must_reject(evaluated):
    names = [r.name for r in (*RESOURCE_RULES, *STACK_RULES)]
    assert len(set(names)) == len(names) == 11
    covered = {name for name, _ in broken_resources(evaluated).values()}
    assert covered == {r.name for r in RESOURCE_RULES}
    assert {name for name, _ in broken_stacks(evaluated).values()} == {r.name for r in STACK_RULES}


# --- deliberately broken resources: each rule rejects its own -----------------------------------


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_each_resource_rule_rejects_its_broken_resource(evaluated, case):
    name, broken = broken_resources(evaluated)[case]
    assert rule(name).check(broken.type, broken.props) != []


@pytest.mark.parametrize("case", BROKEN_STACK_CASES)
def test_each_stack_rule_rejects_its_broken_stack(evaluated, case):
    name, broken = broken_stacks(evaluated)[case]
    assert rule(name).check(broken) != []
    others = [r.name for r in STACK_RULES if r.name != name and r.check(broken)]
    assert others == [], "each case breaks one rule only"


def test_nodes_proxy_given_to_another_account_is_rejected(evaluated):
    resources = stack_resources(evaluated("eks"))
    (binding,) = [
        r
        for r in resources
        if r.type == CLUSTER_ROLE_BINDING
        and r.props["roleRef"]["name"].endswith(agent.FARGATE_SCRAPER)
    ]
    binding.props["subjects"].append(
        {"kind": "ServiceAccount", "name": "default", "namespace": "o11y-app"}
    )
    (message,) = rule("kit-nodes-proxy-only-fargate-scraper").check(resources)
    assert "'name': 'default'" in message


def test_a_namespace_without_network_policy_is_rejected(evaluated):
    resources = stack_resources(evaluated("local"))
    app_only = [
        r
        for r in resources
        if r.type != NETWORK_POLICY or r.props["metadata"]["namespace"] != "o11y-app"
    ]
    (violation,) = rule("kit-namespace-default-deny").check(app_only)
    assert violation.startswith("namespace 'o11y-app' has no default-deny NetworkPolicy")
