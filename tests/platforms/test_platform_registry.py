"""Every cloud the config accepts has a platform in the registry, and every platform offers the
whole interface, so a new cloud is one folder plus one registry line."""

from __future__ import annotations

import pytest

from components.platforms import PLATFORMS, platform
from components.platforms.base import Platform
from components.settings import CLOUDS


def test_the_registry_names_exactly_the_clouds_the_config_accepts():
    assert set(PLATFORMS) == set(CLOUDS)


@pytest.mark.parametrize("cloud", sorted(PLATFORMS))
def test_each_platform_offers_the_whole_interface(cloud):
    assert isinstance(platform(cloud), Platform)


def test_an_unknown_cloud_has_no_platform():
    with pytest.raises(KeyError):
        platform("gke")
