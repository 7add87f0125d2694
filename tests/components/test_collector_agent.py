"""The Agent component registers exactly what the agent model builds, pointed at the
monitoring backends the stack really deploys."""

from __future__ import annotations

import yaml

import agent
from components import namespaces as ns
from components.monitoring import Endpoints
from components.platforms.local.agent_patch import cloud_patch
from kit.plan import manifests


def _registered_objects(ev) -> dict[tuple[str, str], dict]:
    objects = (manifests.manifest(r) for r in ev.resources if manifests.is_object(r))
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def test_local_registers_every_object_of_the_node_and_cluster_agents_unchanged(evaluated):
    endpoints = Endpoints(ns.MONITORING.name)
    backends = agent.Backends(
        endpoints.prometheus_otlp, endpoints.tempo_otlp_grpc, endpoints.loki_otlp
    )
    patch = cloud_patch()  # the local platform's: the agent sized for a laptop
    expected = agent.node_agent_manifests(ns.NODE.name, backends, patch.node)
    expected += agent.cluster_agent_manifests(ns.AGENT.name, backends, patch.cluster)
    registered = _registered_objects(evaluated("local"))
    for obj in expected:
        assert registered[(obj["kind"], obj["metadata"]["name"])] == obj


def test_agent_exports_to_the_services_the_monitoring_releases_create(evaluated):
    ev = evaluated("local")
    configs = [
        yaml.safe_load(next(iter(r.inputs["data"].values())))
        for r in ev.of_type("kubernetes:core/v1:ConfigMap")
        if r.inputs["metadata"]["namespace"] in (ns.AGENT.name, ns.NODE.name)
    ]
    assert len(configs) == 2  # node and cluster agent
    endpoints = {
        e.get("endpoint") for c in configs for e in c["exporters"].values() if isinstance(e, dict)
    }
    assert "http://kps-prometheus.o11y-monitoring.svc.cluster.local:9090/api/v1/otlp" in endpoints
    assert "http://loki.o11y-monitoring.svc.cluster.local:3100/otlp" in endpoints
    assert "tempo.o11y-monitoring.svc.cluster.local:4317" in endpoints


def test_no_rbac_rule_uses_a_wildcard(evaluated):
    roles = [o for o in _registered_objects(evaluated("local")).values() if "rules" in o]
    assert roles
    for role in roles:
        for rule in role["rules"]:
            for field in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule.get(field, []), (role["metadata"]["name"], rule)
