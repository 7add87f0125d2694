"""The flows check's refused side (network_flows.REFUSED) over the sample app's own objects: no
app pod but the wheelhouse reaches the Internet, only the tiers reach the wheelhouse, and a
policy that opens either is reported naming the flow."""

from __future__ import annotations

import pytest

from components.network_policy_blocks import egress, ingress
from components.sample_app import SampleAppArgs, sample_app_objects
from kit.plan import manifests
from kit.plan.checks import network_flows
from kit.plan.checks.findings import Report
from kit.plan.checks.object_index import Index
from tests.helpers import STACK_NAMES

ARGS = SampleAppArgs(
    namespace="o11y-app",
    python_image="python:3.11.16-slim-bookworm@sha256:" + "0" * 64,
    node_otlp_endpoint="http://otel-node-agent.o11y-node.svc.cluster.local:4318",
    agent_namespace="o11y-agent",
    node_namespace="o11y-node",
)


def _checked(objects: list[dict]) -> Report:
    report = Report(len(objects))
    network_flows.check(Index(objects), report)
    return report


def _policy(objects: list[dict], name: str) -> dict:
    (found,) = [
        o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == name
    ]
    return found["spec"]


def _flows(report: Report) -> list[str]:
    return [str(d) for d in report.dangling]


def test_the_app_as_built_refuses_the_internet_to_all_but_the_wheelhouse():
    report = _checked(sample_app_objects(ARGS))
    assert _flows(report) == []
    assert report.checked["refused flow"] == 4 + 2  # 4 pods -> outside; outside, loadgen -> it
    assert report.checked["network flow"] >= 4  # 3 tiers -> wheelhouse, wheelhouse -> outside


def test_a_prebuilt_image_refuses_the_internet_to_every_pod_of_the_app():
    report = _checked(sample_app_objects(SampleAppArgs(**{**ARGS.__dict__, "image": "app:1"})))
    assert _flows(report) == []
    assert report.checked["refused flow"] == 4  # no wheelhouse to reach


def test_tiers_egress_to_any_address_on_443_is_reported():
    objects = sample_app_objects(ARGS)
    _policy(objects, "tiers-egress")["egress"].append(egress(None, 443))
    found = _flows(_checked(objects))
    for tier in ("front", "middle", "back"):
        assert f"flow o11y-app/sample-{tier} -> outside 443/TCP: refused flow" in "\n".join(found)
    assert not any("sample-loadgen" in line for line in found), found


def test_a_wheelhouse_open_to_everyone_is_reported():
    objects = sample_app_objects(ARGS)
    _policy(objects, "wheelhouse")["ingress"].append(ingress(None, 8000))
    assert _flows(_checked(objects)) == [
        "flow outside -> o11y-app/sample-wheelhouse 8000/TCP: refused flow names a rule that "
        "admits it"
    ]


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_stack_refuses_the_internet_to_the_tiers(evaluated, stack):
    resources = evaluated(stack).resources
    report = _checked([manifests.manifest(r) for r in resources if manifests.is_object(r)])
    assert [line for line in _flows(report) if "refused flow" in line] == []
    assert report.checked["refused flow"] == 4 + 2
