"""Every cloud the config accepts has a platform in the registry, and every platform offers the
whole interface, so a new cloud is one folder plus one registry line."""

from __future__ import annotations

import pytest

from components.platforms import PLATFORMS, platform
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
