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
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    broken_resources,
    rule,
    stack_resources,
)

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


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
def test_only_the_fargate_scraper_holds_nodes_proxy(evaluated, stack):
    assert (
        rule("kit-nodes-proxy-only-fargate-scraper").check(stack_resources(evaluated(stack))) == []
    )


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_namespace_has_a_network_policy(evaluated, stack):
    assert rule("kit-namespace-network-policy").check(stack_resources(evaluated(stack))) == []


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
    assert len(set(names)) == len(names) == 9
    covered = {name for name, _ in broken_resources(evaluated).values()}
    assert covered == {r.name for r in RESOURCE_RULES}  # the stack rules: the two tests below


# --- deliberately broken resources: each rule rejects its own -----------------------------------


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_each_resource_rule_rejects_its_broken_resource(evaluated, case):
    name, broken = broken_resources(evaluated)[case]
    assert rule(name).check(broken.type, broken.props) != []


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
    violations = rule("kit-namespace-network-policy").check(app_only)
    assert "namespace 'o11y-app' has no NetworkPolicy" in violations
