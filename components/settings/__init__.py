"""Stack configuration, read once into frozen typed objects and validated as a whole.

One pydantic model per cloud (components/platforms/<cloud>/config.py, registered in clouds.py)
on top of common.py and managed.py; each key's type, default, rules and description live on its
field. parse.py reports every problem at once, one line each: key, value, what is allowed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from components import versions
from components.settings.config import (
    PROJECT,
    AlertingConfig,
    AppConfig,
    Cloud,
    ClusterConfig,
    ConfigError,
    Declaration,
    KitConfig,
)

__all__ = [
    "CLOUDS",
    "PROJECT",
    "SECRET_KEYS",
    "AlertingConfig",
    "AppConfig",
    "ChartCacheError",
    "Cloud",
    "ClusterConfig",
    "ConfigError",
    "Declaration",
    "KitConfig",
    "chart_cache_folder",
    "declared_value",
    "load_config",
    "load_declarations",
    "parse_config",
    "shown_as_run_error",
]
# Names that need the schema, which loads pydantic and builds the models: imported on first use,
# so that the cluster CLI, which reads PROJECT and a key or two of a stack file, starts quickly.
_SCHEMA = {
    "CLOUDS": "clouds",
    "SECRET_KEYS": "parse",
    "load_declarations": "parse",
    "parse_config": "parse",
    "load_config": "from_pulumi",  # the only part that reads Pulumi (and loads its SDK)
    "shown_as_run_error": "from_pulumi",
}


def __getattr__(name: str) -> Any:
    if name in _SCHEMA:
        return getattr(importlib.import_module(f"{__name__}.{_SCHEMA[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def declared_value(key: str, raw: Any) -> Any:
    """One key of a stack file as parse_config reads it (the default when None), for the
    cluster commands, which read a key or two without the Pulumi SDK; ValueError says what is
    wrong."""
    from components.settings import parse

    return parse.declared_value(key, raw)


class ChartCacheError(ValueError):
    """The chart cache lacks a pinned chart package, or holds another: one line saying how to
    fix it."""


def chart_cache_folder(folder: str | None) -> str:
    """The chart cache (KIT_CHART_CACHE, else the default folder `make charts` fills) as an
    absolute folder holding every pinned package, each with a pinned sha256."""
    path = Path(folder or versions.DEFAULT_CHART_CACHE).expanduser().resolve()
    problem = versions.cache_problem(path)
    if problem:
        raise ChartCacheError(problem)
    return str(path)
