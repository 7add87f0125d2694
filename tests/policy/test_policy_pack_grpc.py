"""The policy pack as the Pulumi CLI runs it: policy/__main__.py in its own virtualenv, served
by pulumi_policy over the Analyzer gRPC protocol, asked about each resource (Analyze) and the
whole stack (AnalyzeStack) exactly as `pulumi up --policy-pack policy` asks."""

from __future__ import annotations

import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from agent import FARGATE_SCRAPER
from policy.kit_rules import RESOURCE_RULES, STACK_RULES
from tests.helpers import ROOT, STACK_NAMES, plugin_channel, require_tool
from tests.policy.policy_pack import (
    BROKEN_CASES,
    BROKEN_STACK_CASES,
    CLUSTER_ROLE_BINDING,
    broken_resources,
    broken_stacks,
    stack_resources,
)

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("test_policy_pack_grpc")]

POLICY_DIR = ROOT / "policy"
POLICY_PYTHON = POLICY_DIR / "venv" / "bin" / "python"
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")


@pytest.fixture(scope="module")
def analyzer():
    require_tool(POLICY_PYTHON, "the policy pack's virtualenv", "run `make policy-venv`")
    with plugin_channel([str(POLICY_PYTHON), "__main__.py"], POLICY_DIR) as channel:
        yield analyzer_pb2_grpc.AnalyzerStub(channel)


def _struct(props) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(props)
    return message


def _analyze(analyzer, resource) -> list:
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        name=resource.name,
        urn=f"urn:pulumi:test::o11y-kit::{resource.type}::{resource.name}",
        properties=_struct(resource.props),
    )
    return list(analyzer.Analyze(request, timeout=30).diagnostics)


def test_the_pack_serves_every_rule_as_mandatory(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "o11y-kit"
    served = {p.name: p.enforcementLevel for p in info.policies}
    assert served == {r.name: MANDATORY for r in (*RESOURCE_RULES, *STACK_RULES)}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_resource_of_every_stack_passes_the_served_pack(analyzer, evaluated, stack):
    found = {
        r.name: [d.message for d in diagnostics]
        for r in stack_resources(evaluated(stack))
        if (diagnostics := _analyze(analyzer, r))
    }
    assert found == {}


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_the_served_pack_rejects_each_broken_resource(analyzer, evaluated, case):
    rule, broken = broken_resources(evaluated)[case]
    diagnostics = _analyze(analyzer, broken)
    assert [d.policyName for d in diagnostics] == [rule]
    assert diagnostics[0].enforcementLevel == MANDATORY
    assert f"\n{broken.name}: " in diagnostics[0].message  # after the policy's description
    assert "proxy" not in diagnostics[0].message  # plain values, not pulumi_policy's proxies


def _analyze_stack(analyzer, resources) -> set[tuple[str, str]]:
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type, name=r.name, urn=f"urn:{r.name}", properties=_struct(r.props)
            )
            for r in resources
        ]
    )
    response = analyzer.AnalyzeStack(request, timeout=60)
    # a message is the policy's description, then what the rule reported
    return {(d.policyName, d.message.splitlines()[-1]) for d in response.diagnostics}


def test_the_served_stack_check_passes_every_stack(analyzer, evaluated):
    for stack in STACK_NAMES:
        assert _analyze_stack(analyzer, stack_resources(evaluated(stack))) == set(), stack


def test_the_served_stack_check_rejects_nodes_proxy_for_another_account(analyzer, evaluated):
    resources = stack_resources(evaluated("eks"))
    for r in resources:
        if r.type == CLUSTER_ROLE_BINDING and r.props["roleRef"]["name"].endswith(FARGATE_SCRAPER):
            r.props["subjects"].append({"kind": "ServiceAccount", "name": "x", "namespace": "y"})
    found = _analyze_stack(analyzer, resources)
    assert "kit-nodes-proxy-only-fargate-scraper" in {policy for policy, _ in found}


@pytest.mark.parametrize("case", BROKEN_STACK_CASES)
def test_the_served_stack_check_rejects_each_broken_stack(analyzer, evaluated, case):
    rule, broken = broken_stacks(evaluated)[case]
    assert {policy for policy, _ in _analyze_stack(analyzer, broken)} == {rule}
