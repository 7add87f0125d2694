"""Each agent preset's RBAC against what upstream documents its components need
(tests/agent/upstream_rbac.py, with citations), on the local stack's deployed configs.

A permission upstream says this configuration needs that the preset does not declare fails. One
the preset declares that upstream does not ask for is a finding: it must be in FINDINGS, so a
new one (or one that went away) is noticed. Whether the API server grants what is declared is
tests/agent/test_agent_rbac_live.py's.
"""

from __future__ import annotations

import pytest

from agent import CLUSTER_AGENT, NODE_AGENT
from agent import preset_catalog as presets
from agent.preset import Preset, combine
from kit.plan import offline
from tests.agent.preset_rbac import comparisons
from tests.agent.upstream_rbac import (
    UPSTREAM,
    Permission,
    compare,
    permissions_of,
)

STACK = "local"

# Declared, though upstream does not ask for it with the kit's configuration: (component ids of
# the preset, permission) -> what upstream says and what was seen.
FINDINGS: dict[tuple[str, Permission], str] = {
    **{
        ("k8s_attributes", ("apps", "replicasets", verb)): (
            "k8sattributesprocessor README @ v0.159.0: replicasets only with k8s.deployment.uid, "
            "deployment_name_from_replicaset: false or from: deployment; the kit extracts "
            "k8s.deployment.name with the default (true), which trims the ReplicaSet's name and "
            "starts no ReplicaSet informer (internal/kube/client.go needReplicaSetInformer). "
            "The live test runs the node agent without it and sees no forbidden."
        )
        for verb in ("get", "list", "watch")
    },
}


@pytest.fixture(scope="module")
def evaluation():
    return offline.evaluate(STACK)


@pytest.fixture(scope="module")
def compared(evaluation):
    return comparisons(evaluation, "local")


def test_the_presets_compared_are_the_ones_the_stack_renders(evaluation, compared):
    """The per-preset rules combine to exactly the ClusterRole/Role the evaluation holds."""
    assert set(compared) == {NODE_AGENT, CLUSTER_AGENT}
    rendered = {
        (r.inputs["kind"], r.inputs["metadata"]["name"]): r.inputs["rules"]
        for r in evaluation.resources
        if r.inputs.get("kind") in ("ClusterRole", "Role")
    }
    for workload, parts in compared.items():
        combined = combine(c.preset for c in parts)
        ours = {k: v for k, v in rendered.items() if k[1].endswith(workload)}
        expected = {}
        if combined.cluster_rules:
            expected["ClusterRole"] = list(combined.cluster_rules)
        if combined.namespace_rules:
            expected["Role"] = list(combined.namespace_rules)
        assert {kind: rules for (kind, _), rules in ours.items()} == expected, workload


def test_every_component_of_both_agents_is_in_the_upstream_table(compared):
    """A new component needs its upstream RBAC looked up before it ships."""
    unknown = [cid for parts in compared.values() for c in parts for cid in c.unknown]
    assert not unknown, f"look up upstream's RBAC for {unknown} in tests/agent/upstream_rbac.py"


def test_no_permission_upstream_documents_for_these_configs_is_missing(compared):
    """A missing permission shows only as a forbidden error in a running cluster."""
    missing = {
        (workload, ",".join(c.components)): sorted(c.missing)
        for workload, parts in compared.items()
        for c in parts
        if c.missing
    }
    assert not missing, missing


def test_permissions_declared_beyond_upstreams_are_the_recorded_findings(compared):
    extra = {
        (",".join(c.components), permission)
        for parts in compared.values()
        for c in parts
        for permission in c.extra
    }
    assert extra == set(FINDINGS), {
        "new (record in FINDINGS, with what upstream says)": sorted(extra - set(FINDINGS)),
        "gone (drop from FINDINGS)": sorted(set(FINDINGS) - extra),
    }


def test_each_kubernetes_api_component_has_its_rules_in_its_own_preset(compared):
    """A component upstream says needs the API declares it with its own rules, so taking the
    component out takes its permissions with it (agent/preset.py)."""
    for parts in compared.values():
        for c in parts:
            if c.needed:
                assert c.needed <= c.declared, c.components
            else:
                assert not c.declared - {p for f, p in FINDINGS if f == ",".join(c.components)}


def test_the_comparison_can_fail():
    """A preset missing what k8s_attributes needs, or granting what nothing asks, shows."""
    config = {
        "processors": {"k8s_attributes": {"extract": {"metadata": ["k8s.deployment.uid"]}}},
        "service": {"pipelines": {"logs": {"receivers": [], "processors": ["k8s_attributes"]}}},
    }
    rules = ({"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["list", "watch"]},)
    c = compare(Preset(processors=config["processors"], cluster_rules=rules), config)
    assert ("apps", "replicasets", "list") in c.missing  # deployment uid needs ReplicaSets
    assert ("", "namespaces", "get") in c.missing
    assert c.extra == {("", "secrets", "list"), ("", "secrets", "watch")}
    assert permissions_of(rules) == c.declared


def test_exemptions_only_cover_what_the_readme_lists():
    """An exemption names permissions the README's own rules list: it narrows upstream's
    documented set, never adds to it."""
    for kind, upstream in UPSTREAM.items():
        documented = upstream.documented_permissions()
        for exemption in upstream.exemptions:
            assert any(exemption.covers(p) for p in documented), (kind, exemption)


@pytest.mark.parametrize(
    "change",
    [
        {"metrics": {"k8s.persistentvolume.status_phase": {"enabled": True}}},
        {"metadata_exporters": ["some_exporter"]},
    ],
    ids=["pv-metric", "metadata-exporters"],
)
def test_an_exemption_lapses_when_the_config_would_make_the_call(change):
    """k8s_cluster watches PersistentVolumes only for their metrics or metadata_exporters: with
    either, the README's rule is needed again and the kit's preset misses it."""
    preset = presets.cluster_metrics()
    receiver = {**preset.receivers["k8s_cluster"], **change}
    config = {
        "receivers": {"k8s_cluster": receiver},
        "service": {"pipelines": {"metrics": {"receivers": ["k8s_cluster"]}}},
    }
    assert ("", "persistentvolumes", "list") in compare(preset, config).missing
    plain = {**config, "receivers": {"k8s_cluster": preset.receivers["k8s_cluster"]}}
    assert not compare(preset, plain).missing
