"""Every cloud the config accepts has a platform in the registry, and every platform offers the
whole interface, so a new cloud is one folder plus one registry line."""

from __future__ import annotations

import pytest

from components.platforms import PLATFORMS, facts, platform
from components.platforms.base import Platform
from components.settings.clouds import MODELS


@pytest.mark.parametrize("cloud", sorted(PLATFORMS))
def test_each_platform_brings_the_config_model_of_its_cloud(cloud):
    assert MODELS[cloud].name == cloud
    assert MODELS[cloud].__module__ == PLATFORMS[cloud].rpartition(".")[0] + ".config"


@pytest.mark.parametrize("cloud", sorted(PLATFORMS))
def test_each_platform_offers_the_whole_interface(cloud):
    assert isinstance(platform(cloud), Platform)


def test_an_unknown_cloud_has_no_platform():
    with pytest.raises(KeyError):
        platform("gke")


def test_exactly_one_platform_is_any_other_cluster():
    """kit/cli/kube.py's cloud_of falls back to the one platform whose nodes have no known
    providerID (local), and tells the others apart by theirs."""
    prefixes = [facts(cloud).node_provider_id for cloud in PLATFORMS]
    assert prefixes.count(None) == 1
    assert len(set(prefixes)) == len(prefixes)


def test_the_kit_never_claims_a_cluster_it_deploys_into():
    """Only a platform that creates its cluster may have the cluster commands treat it as the
    stack's own (crd_leftovers, connect); local deploys into the user's."""
    assert not facts("local").creates_cluster
    assert facts("aks").creates_cluster and facts("eks").creates_cluster


def test_the_registry_functions_survive_loading_every_platform():
    """A submodule of components.platforms named like one of its functions would replace the
    function on the package once something imports it (the cluster CLI then calls a module)."""
    import importlib

    import components.platforms as registry

    for module in PLATFORMS.values():
        package = module.rpartition(".")[0]
        for part in ("facts", "config", "platform"):
            importlib.import_module(f"{package}.{part}")
    assert callable(registry.facts) and callable(registry.platform)
