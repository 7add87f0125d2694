"""The refused flows (docs/design.md "Refused flows", kit/plan/checks/refused_flows.py) on a small
plan: the kit's real NetworkPolicies and sample app, the real collectors, and one pod per backend.
Each test loosens one policy the way a mistake would and shows the check then fails; an ipBlock
counts for every pod whose address may lie in it (eks: the node subnets; aks, local: any private
range)."""

from __future__ import annotations

import dataclasses

import pytest

import agent
from components.names import LOKI_PORT, PROMETHEUS_PORT
from components.network_policies import NetworkPoliciesArgs, kit_network_policies
from components.network_policy_blocks import block, egress, ingress, pods
from components.platforms import facts
from components.platforms.eks.fargate_sidecar import fargate_pod
from components.sample_app import SampleAppArgs, sample_app_objects
from kit.plan.checks import refused_flows
from kit.plan.checks.findings import Report
from kit.plan.checks.network_flows import Cluster, table
from kit.plan.checks.object_index import Index

MONITORING, AGENT, NODE, APP = "o11y-monitoring", "o11y-agent", "o11y-node", "o11y-app"
NAME = "app.kubernetes.io/name"
BACKENDS = {  # name -> ports, as the charts' pods declare them
    "prometheus": (9090, 8080),
    "loki": (3100, 9095, 7946),
    "tempo": (4317, 4318, 3200),
    "grafana": (3000,),
    "alertmanager": (9093, 8080),
}
IN_CLUSTER = agent.Backends("http://prometheus:9090/api/v1/otlp", "tempo:4317", "http://loki/otlp")
EKS_PODS = facts("eks").pod_cidrs
# (stack, where its pods get addresses, whether the app's back tier runs on Fargate)
STACKS = {"local": (None, False), "aks": (facts("aks").pod_cidrs, False), "eks": (EKS_PODS, True)}

APP_ARGS = SampleAppArgs(
    namespace=APP,
    python_image="python:3.11.16-slim-bookworm@sha256:" + "0" * 64,
    node_otlp_endpoint=f"http://{agent.NODE_AGENT}.{NODE}.svc.cluster.local:4318",
    agent_namespace=AGENT,
    node_namespace=NODE,
)


def _backend(name: str, ports: tuple[int, ...]) -> dict:
    container = {"name": name, "ports": [{"containerPort": p, "protocol": "TCP"} for p in ports]}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": MONITORING},
        "spec": {
            "template": {"metadata": {"labels": {NAME: name}}, "spec": {"containers": [container]}}
        },
    }


def _small_plan(fargate: bool) -> list[dict]:
    app = dataclasses.replace(
        APP_ARGS,
        fargate_tiers=("back",) if fargate else (),
        fargate_pod=fargate_pod if fargate else None,
    )
    policies = NetworkPoliciesArgs(MONITORING, AGENT, NODE, APP, fargate=fargate)
    return [
        *(_backend(name, ports) for name, ports in BACKENDS.items()),
        *agent.node_agent_manifests(NODE, IN_CLUSTER),
        *agent.cluster_agent_manifests(AGENT, IN_CLUSTER),
        *kit_network_policies(policies),
        *sample_app_objects(app),
    ]


def _admitted(objects: list[dict], stack: str) -> list[str]:
    """The refused table's flows these objects admit, pending rows left out."""
    report = Report(len(objects))
    refused_flows.check(Cluster(Index(objects), STACKS[stack][0]), report)
    return [d.object for d in report.dangling]


def _policy(objects: list[dict], namespace: str, name: str) -> dict:
    (found,) = [
        o
        for o in objects
        if o["kind"] == "NetworkPolicy"
        and (o["metadata"]["namespace"], o["metadata"]["name"]) == (namespace, name)
    ]
    return found["spec"]


@pytest.fixture(params=list(STACKS))
def stack(request) -> str:
    return request.param


@pytest.fixture
def plan(stack) -> list[dict]:
    return _small_plan(fargate=STACKS[stack][1])


def test_the_kits_policies_refuse_every_row(plan, stack):
    assert _admitted(plan, stack) == []


def test_a_node_subnet_block_on_prometheus_lets_every_pod_write(plan, stack):
    """What eks had while its node agent was on the host network: the node subnets admitted on
    9090, and the VPC CNI gives every pod an address there."""
    prometheus = _policy(plan, MONITORING, "prometheus")
    prometheus["ingress"].append(ingress([block(c) for c in EKS_PODS], PROMETHEUS_PORT))
    admitted = _admitted(plan, stack)
    # the app namespace's EC2 pods are still held by its default-deny egress; Fargate's are not
    for source in ("default/intruder", f"{APP}/o11y-kit/compute=fargate"):
        assert f"flow {source} -> {MONITORING}/prometheus 9090/TCP" in admitted, admitted
    assert all("-> o11y-monitoring/prometheus 9090/TCP" in flow for flow in admitted), admitted


def test_a_block_beyond_the_pod_cidrs_admits_no_pod():
    """Precision: on eks pods are in the private subnets only, so a public-subnet block (the
    load balancers') lets no pod in."""
    objects = _small_plan(fargate=True)
    loki = _policy(objects, MONITORING, "loki")
    loki["ingress"].append(ingress([block("10.0.0.0/24")], LOKI_PORT))
    assert _admitted(objects, "eks") == []
    assert _admitted(objects, "local") != []  # unknown pod CIDRs: any private range


def test_an_except_covering_the_pod_cidrs_keeps_pods_out():
    objects = _small_plan(fargate=True)
    loki = _policy(objects, MONITORING, "loki")
    excepted = {"ipBlock": {"cidr": "10.0.0.0/8", "except": list(EKS_PODS)}}
    loki["ingress"].append(ingress([excepted], LOKI_PORT))
    assert _admitted(objects, "eks") == []
    excepted["ipBlock"]["except"] = [EKS_PODS[0]]  # one subnet's pods still get in
    assert _admitted(objects, "eks") != []


def test_the_internet_is_refused_unless_a_block_reaches_beyond_private_ranges(plan, stack):
    loki = _policy(plan, MONITORING, "loki")
    loki["ingress"].append(ingress([block("0.0.0.0/0")], LOKI_PORT))
    assert f"flow internet -> {MONITORING}/loki 3100/TCP" in _admitted(plan, stack)


def test_the_app_namespace_reaching_prometheus_admits_its_fargate_pods_first():
    """A Fargate pod enforces no egress policy: the back tier then writes to Prometheus, while
    the EC2 tiers are still held by their own egress policy."""
    objects = _small_plan(fargate=True)
    prometheus = _policy(objects, MONITORING, "prometheus")
    prometheus["ingress"].append(ingress([pods(APP)], PROMETHEUS_PORT))
    admitted = _admitted(objects, "eks")
    assert f"flow {APP}/sample-back -> {MONITORING}/prometheus 9090/TCP" in admitted
    assert f"flow {APP}/sample-front -> {MONITORING}/prometheus 9090/TCP" not in admitted


def test_the_node_agent_open_to_the_app_on_every_port_exposes_its_metrics(plan, stack):
    """To a Fargate pod of the app's namespace, which has no egress policy to stop it (the EC2
    tiers' own egress policy still does)."""
    node_agent = _policy(plan, NODE, agent.NODE_AGENT)
    node_agent["ingress"].append({"from": [pods(APP)]})
    admitted = _admitted(plan, stack)
    for port in (8888, 13133):
        flow = f"flow {APP}/o11y-kit/compute=fargate -> {NODE}/{agent.NODE_AGENT} {port}/TCP"
        assert flow in admitted, admitted
    assert not [flow for flow in admitted if "sample-front" in flow]


def test_the_app_given_the_api_servers_port_fails(plan, stack):
    tiers = _policy(plan, APP, "tiers-egress")
    tiers["egress"].append(egress(None, 6443))
    assert f"flow {APP}/sample-front -> outside 6443/TCP" in _admitted(plan, stack)


def _app_only(**changes) -> list[dict]:
    return sample_app_objects(SampleAppArgs(**{**APP_ARGS.__dict__, **changes}))


def test_the_app_alone_refuses_the_internet_and_the_api_to_all_but_the_wheelhouse():
    for objects in (_app_only(), _app_only(image="app:1")):  # from source, or prebuilt
        assert _admitted(objects, "local") == []
        checked = [
            flow
            for row in table(section=refused_flows.SECTION)
            for flow, _ in refused_flows.verdicts(Cluster(Index(objects)), row)
        ]
        for pod in ("front", "middle", "back", "loadgen"):
            assert f"flow {APP}/sample-{pod} -> outside 443/TCP" in checked


def test_tiers_egress_to_any_address_on_443_is_reported():
    objects = _app_only()
    _policy(objects, APP, "tiers-egress")["egress"].append(egress(None, 443))
    admitted = _admitted(objects, "local")
    for tier in ("front", "middle", "back"):
        assert f"flow {APP}/sample-{tier} -> outside 443/TCP" in admitted
    assert not any("sample-loadgen" in flow for flow in admitted), admitted


def test_a_wheelhouse_open_to_everyone_is_reported():
    objects = _app_only()
    _policy(objects, APP, "wheelhouse")["ingress"].append(ingress(None, 8000))
    assert sorted(_admitted(objects, "local")) == [
        f"flow default/intruder -> {APP}/sample-wheelhouse 8000/TCP",
        f"flow internet -> {APP}/sample-wheelhouse 8000/TCP",
        f"flow outside -> {APP}/sample-wheelhouse 8000/TCP",
    ]  # the load generator's own egress policy still holds it
