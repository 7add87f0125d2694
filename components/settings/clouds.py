"""The clouds the kit deploys to, each with the model of its config: the `config` module of its
platform (components/platforms/<cloud>/config.py, registered in components/platforms)."""

from __future__ import annotations

import importlib

from components.platforms import PLATFORMS
from components.settings.common import CommonSettings


def _model(platform_module: str) -> type[CommonSettings]:
    return importlib.import_module(f"{platform_module.rpartition('.')[0]}.config").MODEL


MODELS: dict[str, type[CommonSettings]] = {
    cloud: _model(module) for cloud, module in PLATFORMS.items()
}
CLOUDS: tuple[str, ...] = tuple(MODELS)
