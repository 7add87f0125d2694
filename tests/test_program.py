"""The real __main__.py, evaluated under mocks once per stack file (testing-unit-py pattern)."""

from __future__ import annotations

import re

import pytest

from components import namespaces
from kit.plan.offline import Secret
from tests.helpers import K8S_PROVIDER, NAMESPACE, STACK_NAMES


def test_every_stack_file_is_exercised():
    assert sorted(STACK_NAMES) == ["aks", "eks", "local"]


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_stack_evaluates_and_exports_its_cloud(evaluated, stack):
    ev = evaluated(stack)
    assert ev.outputs["cloud"] == stack
    assert ev.outputs["namespaces"] == {spec.component: spec.name for spec in namespaces.ALL}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_kubernetes_object_goes_through_the_clusters_provider(evaluated, stack):
    """A default provider would silently deploy into whatever the user's current context is."""
    ev = evaluated(stack)
    providers = ev.of_type(K8S_PROVIDER)
    assert len(providers) == 1
    expected = f"{providers[0].urn}::{providers[0].name}-id"
    k8s_objects = [r for r in ev.resources if r.custom and r.type.startswith("kubernetes:")]
    assert k8s_objects
    assert {r.provider for r in k8s_objects} == {expected}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_namespaces_carry_recommended_and_pod_security_labels(evaluated, stack):
    by_name = {r.inputs["metadata"]["name"]: r for r in evaluated(stack).of_type(NAMESPACE)}
    assert set(by_name) == {"o11y-monitoring", "o11y-node", "o11y-agent", "o11y-app"}
    for spec in namespaces.ALL:
        labels = by_name[spec.name].inputs["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "o11y-kit"
        assert labels["app.kubernetes.io/managed-by"] == "pulumi"
        assert labels["pod-security.kubernetes.io/enforce"] == spec.pod_security
    enforced = {
        name: ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for name, ns in by_name.items()
    }
    # Only the node namespace (node-exporter, node agent) admits host access.
    assert enforced == {
        "o11y-monitoring": "baseline",
        "o11y-node": "privileged",
        "o11y-agent": "baseline",
        "o11y-app": "restricted",
    }
    for name in ("o11y-monitoring", "o11y-agent", "o11y-app"):
        assert by_name[name].inputs["metadata"]["labels"]["pod-security.kubernetes.io/warn"] == (
            "restricted"
        )


def test_local_creates_nothing_outside_the_cluster_and_keeps_no_kubeconfig(evaluated):
    ev = evaluated("local")
    clouds = [r.type for r in ev.resources if r.type.startswith(("aws:", "azure-native:"))]
    assert clouds == []
    assert "kubeconfig" not in ev.outputs
    assert ev.invokes == []


@pytest.mark.parametrize("stack", ["aks", "eks"])
def test_managed_clusters_export_their_kubeconfig_as_a_secret(evaluated, stack):
    kubeconfig = evaluated(stack).outputs["kubeconfig"]
    assert isinstance(kubeconfig, Secret)
    assert "apiVersion: v1" in kubeconfig.value


def test_local_provider_uses_the_configured_context(evaluate, tmp_path):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    ev = evaluate("local", kubeconfig=str(kubeconfig), context="kind-o11y")
    provider = ev.of_type(K8S_PROVIDER)[0]
    assert provider.inputs["kubeconfig"] == str(kubeconfig)
    assert provider.inputs["context"] == "kind-o11y"


SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
# Free-form payloads whose keys are the user's, not the provider's schema.
FREE_FORM = ("values", "data", "stringData", "extensionSettings", "labels", "annotations")


def _snake_keys(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FREE_FORM:
                continue
            if SNAKE.match(key):
                yield f"{path}.{key}"
            yield from _snake_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _snake_keys(item, f"{path}[]")


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_no_python_spelling_reaches_a_provider(evaluated, stack):
    """Dicts passed where an input is a union type are sent as written: `all_of` would reach
    Azure instead of `allOf`. Every key on the wire must be the provider's spelling."""
    found = [
        f"{r.type}{key}"
        for r in evaluated(stack).resources
        if r.custom
        for key in _snake_keys(r.inputs)
    ]
    assert found == []


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_namespaced_object_waits_for_its_namespace(evaluated, stack):
    """depends_on on a component does not reach its children; without the dependency a first
    `pulumi up` races the namespaces and fails."""
    ev = evaluated(stack)
    namespace_urns = {r.inputs["metadata"]["name"]: r.urn for r in ev.of_type(NAMESPACE)}
    late = [
        r.name
        for r in ev.resources
        if r.custom
        and r.type.startswith("kubernetes:")
        and (ns := r.inputs.get("namespace") or r.inputs.get("metadata", {}).get("namespace"))
        in namespace_urns
        and namespace_urns[ns] not in r.dependencies
    ]
    assert late == []
