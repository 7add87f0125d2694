"""The NetworkPolicies of every kit namespace: everything denied both ways, then each flow from
only the pods that need it. That the policies as a whole admit every flow of docs/design.md is
proven by the plan's flows check (kit/plan/checks/network_flows.py) in
tests/kit/plan/checks/test_network_flows_plan.py."""

from __future__ import annotations

import pytest

import agent
from components import namespaces as ns
from components.network_policies import alert_ports
from components.platforms.eks.network import PRIVATE_CIDRS, PUBLIC_CIDRS
from components.sample_app import SampleAppArgs, sample_app_objects
from components.settings import AlertingConfig
from kit.plan import manifests
from tests.helpers import STACK_NAMES

NAME = "app.kubernetes.io/name"
KIT_NAMESPACES = [n.name for n in ns.ALL]


def _policies(ev) -> dict[tuple[str, str], dict]:
    return {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"]
        for o in (manifests.manifest(r) for r in ev.resources if manifests.is_object(r))
        if o["kind"] == "NetworkPolicy"
    }


def _peers(spec: dict, port: int) -> list[dict]:
    return [
        peer
        for rule in spec.get("ingress", [])
        if any(p["port"] == port for p in rule["ports"])
        for peer in rule.get("from", [{"everyone": True}])
    ]


def _name(peer: dict) -> str | None:
    return peer.get("podSelector", {}).get("matchLabels", {}).get(NAME)


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_kit_namespace_denies_all_ingress_and_egress_then_allows_dns(evaluated, stack):
    policies = _policies(evaluated(stack))
    for namespace in KIT_NAMESPACES:
        assert policies[namespace, "default-deny"] == {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": [],
        }
        (dns,) = policies[namespace, "allow-dns"]["egress"]
        assert dns["to"] == [
            {
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                },
            }
        ]
        assert {p["port"] for p in dns["ports"]} == {53}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_only_the_collectors_grafana_and_tempo_write_to_prometheus(evaluated, stack):
    spec = _policies(evaluated(stack))[ns.MONITORING.name, "prometheus"]
    writers = {_name(p) or p.get("ipBlock", {}).get("cidr") for p in _peers(spec, 9090)}
    collectors = {agent.NODE_AGENT, agent.CLUSTER_AGENT}
    if stack == "eks":  # the Fargate collectors, and the host-network node agent's node subnets
        collectors |= {agent.FARGATE_SCRAPER, agent.FARGATE_GATEWAY, *PRIVATE_CIDRS}
    assert writers == collectors | {"grafana", "tempo", "prometheus"}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_alertmanager_loki_and_the_node_agent_take_writes_only_from_their_writers(evaluated, stack):
    policies = _policies(evaluated(stack))
    alertmanager = policies[ns.MONITORING.name, "alertmanager"]
    assert {_name(p) for p in _peers(alertmanager, 9093)} == {"prometheus", "grafana"}
    loki = {_name(p) for p in _peers(policies[ns.MONITORING.name, "loki"], 3100)}
    assert loki - {None} == {agent.NODE_AGENT, agent.CLUSTER_AGENT, "grafana", "loki"} | (
        {agent.FARGATE_GATEWAY} if stack == "eks" else set()
    )
    node_agent = policies[ns.NODE.name, agent.NODE_AGENT]
    (app_pods,) = _peers(node_agent, 4318)
    assert app_pods == {
        "podSelector": {},
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns.APP.name}},
    }


def test_nothing_may_connect_to_the_fargate_scraper_and_only_fargate_pods_to_the_gateway(
    evaluated,
):
    policies = _policies(evaluated("eks"))
    assert policies[ns.AGENT.name, agent.FARGATE_SCRAPER]["ingress"] == []
    gateway = policies[ns.AGENT.name, agent.FARGATE_GATEWAY]
    (fargate_pods,) = _peers(gateway, 4317)
    assert fargate_pods["podSelector"] == {"matchLabels": {"o11y-kit/compute": "fargate"}}
    assert {_name(p) for p in _peers(gateway, 8888)} == {"prometheus"}
    assert (ns.AGENT.name, agent.FARGATE_SCRAPER) not in _policies(evaluated("aks"))


ARGS = SampleAppArgs(
    namespace="o11y-app",
    python_image="python:3.11.16-slim-bookworm@sha256:" + "0" * 64,
    node_otlp_endpoint="http://otel-node-agent.o11y-node.svc.cluster.local:4318",
    agent_namespace="o11y-agent",
    node_namespace="o11y-node",
)


def _app_policies(**changes) -> dict[str, dict]:
    objects = sample_app_objects(SampleAppArgs(**{**ARGS.__dict__, **changes}))
    return {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}


def test_each_tier_is_reached_only_by_its_caller_and_the_load_generator_by_nobody():
    policies = _app_policies()
    callers = {"front": "sample-loadgen", "middle": "sample-front", "back": "sample-middle"}
    for tier, caller in callers.items():
        assert [_name(p) for p in _peers(policies[tier], 8080)] == [caller]
    assert policies["loadgen"]["ingress"] == []


def test_only_the_wheelhouse_reaches_the_internet_and_only_the_tiers_reach_the_wheelhouse():
    policies = _app_policies()
    tiers_out = policies["tiers-egress"]["egress"]
    assert all("to" in rule for rule in tiers_out), tiers_out  # none open to every address
    (to_wheelhouse,) = [r for r in tiers_out if r["ports"] == [{"protocol": "TCP", "port": 8000}]]
    assert [_name(p) for p in to_wheelhouse["to"]] == ["sample-wheelhouse"]
    (service,) = [
        o for o in sample_app_objects(ARGS) if o["kind"] == "Service" and "wheelhouse" in str(o)
    ]
    assert service["spec"]["selector"] == to_wheelhouse["to"][0]["podSelector"]["matchLabels"]
    wheelhouse = policies["wheelhouse"]
    assert wheelhouse["podSelector"] == {"matchLabels": {NAME: "sample-wheelhouse"}}
    (clients,) = [peer for rule in wheelhouse["ingress"] for peer in rule["from"]]
    (tiers,) = clients["podSelector"]["matchExpressions"]
    assert tiers["values"] == ["sample-front", "sample-middle", "sample-back"]
    assert set(clients) == {"podSelector"}  # this namespace only
    assert wheelhouse["egress"] == [{"ports": [{"protocol": "TCP", "port": 443}]}]
    prebuilt = _app_policies(image="ghcr.io/me/sample-app:1.0")
    assert "wheelhouse" not in prebuilt
    assert [r["ports"] for r in prebuilt["tiers-egress"]["egress"]] == [
        [{"protocol": "TCP", "port": 4318}]
    ]


@pytest.mark.parametrize(
    ("cluster_sources", "expected"),
    [
        (None, ["198.51.100.0/24"]),  # aks: the Azure load balancer keeps the client's address
        (PUBLIC_CIDRS, list(PUBLIC_CIDRS)),  # eks: the Classic ELB connects from its own nodes
    ],
    ids=["client-address-kept", "proxying-load-balancer"],
)
def test_the_front_end_takes_outside_traffic_only_from_its_load_balancer(cluster_sources, expected):
    private = _app_policies()["front"]
    assert all("ipBlock" not in p for p in _peers(private, 8080))
    front = _app_policies(
        frontend_allowed_cidrs=("198.51.100.0/24",), load_balancer_cidrs=cluster_sources
    )["front"]
    blocks = [p["ipBlock"]["cidr"] for p in _peers(front, 8080) if "ipBlock" in p]
    assert blocks == expected


def test_the_eks_program_gives_the_app_the_node_subnets_and_the_elb_subnets(evaluated):
    policies = _policies(evaluated("eks"))
    (node_agent_rule,) = [
        r for r in policies[ns.APP.name, "tiers-egress"]["egress"] if r["ports"][0]["port"] == 4318
    ]
    assert [p["ipBlock"]["cidr"] for p in node_agent_rule["to"] if "ipBlock" in p] == list(
        PRIVATE_CIDRS
    )


@pytest.mark.parametrize(
    ("receiver", "url", "smarthost", "ports"),
    [
        ("none", None, "", ()),
        ("webhook", "https://hooks.example.org/kit", "", (443,)),
        ("webhook", "http://10.1.2.3:8081/alerts", "", (8081,)),
        ("email", None, "smtp.example.org:587", (587,)),
    ],
)
def test_alertmanager_reaches_out_only_on_its_receivers_port(receiver, url, smarthost, ports):
    alerting = AlertingConfig((), receiver, url, smarthost, "", "", None)
    assert alert_ports(alerting) == ports


def test_eks_scrapes_the_fargate_gateway_and_sidecars_and_admits_only_prometheus(evaluated):
    ev = evaluated("eks")
    monitors = {
        (m.inputs["metadata"]["namespace"], m.inputs["metadata"]["name"]): m.inputs["spec"]
        for m in ev.resources
        if m.type.endswith(":PodMonitor")
    }
    sidecars = monitors.pop((ns.APP.name, "otel-fargate-sidecar"))
    assert sidecars["selector"] == {"matchLabels": {"o11y-kit/compute": "fargate"}}
    assert set(monitors) == {
        (ns.NODE.name, agent.NODE_AGENT),
        (ns.AGENT.name, agent.CLUSTER_AGENT),
        (ns.AGENT.name, agent.FARGATE_GATEWAY),
    }  # not the scraper: nothing may connect to it
    sidecar_policy = _policies(ev)[ns.APP.name, "otel-fargate-sidecar"]
    assert {_name(p) for p in _peers(sidecar_policy, 8888)} == {"prometheus"}
