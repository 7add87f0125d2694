"""The registry of platforms: one line per cloud (a value of the `cloud` key), naming the module
that holds its Platform (components/platforms/base.py).

Imported lazily, so Pulumi-free parts of a platform (names, exporters, offline outputs) load
without the cloud's Pulumi SDK (kit/cli must not load it).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from components.platforms.base import Platform
    from components.platforms.platform_facts import PlatformFacts

PLATFORMS: dict[str, str] = {
    "local": "components.platforms.local.platform",
    "aks": "components.platforms.aks.platform",
    "eks": "components.platforms.eks.platform",
}


def offline_parts() -> list[ModuleType]:
    """Each platform's Pulumi-free `offline_outputs` module, where it has one: what its
    provider would compute, for the offline plan (kit/plan/offline.py)."""
    names = [f"{module.rpartition('.')[0]}.offline_outputs" for module in PLATFORMS.values()]
    return [importlib.import_module(name) for name in names if importlib.util.find_spec(name)]


def platform(cloud: str) -> Platform:
    """The Platform of `cloud` (a key of PLATFORMS)."""
    return importlib.import_module(PLATFORMS[cloud]).PLATFORM


def facts(cloud: str) -> PlatformFacts:
    """What the cluster commands need to know of `cloud` (Pulumi-free: its `facts` module)."""
    return importlib.import_module(f"{PLATFORMS[cloud].rpartition('.')[0]}.facts").FACTS
