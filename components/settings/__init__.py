"""Stack configuration, read once into frozen typed objects and validated as a whole.

The schema is one pydantic model per cloud (local.py, aks.py, eks.py) on top of the keys every
cloud reads (common.py) and every managed cloud reads (managed.py), registered in clouds.py:
each key's type, default, rules and description live on its field; parse.py maps the models'
errors to the kit's lines. Every problem is reported at once, before any resource is
registered, naming the key, the bad value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from pathlib import Path
from typing import Any

from components import versions
from components.settings.config import (
    PROJECT,
    PROVIDER_NAMESPACES,
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


def load_config() -> KitConfig:
    """Read the running stack's config through Pulumi and validate it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    from components.settings.parse import SECRET_KEYS, load_declarations, parse_config

    declared = load_declarations()
    cfg = pulumi.Config(PROJECT)
    raw = {key: cfg.get(key) for key in declared}
    present = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{PROJECT}:"
    unknown = sorted(k[len(prefix) :] for k in present if k.startswith(prefix))
    unknown = [k for k in unknown if k not in declared]
    namespaces = (PROJECT, *PROVIDER_NAMESPACES)
    foreign = sorted(k for k in present if k.split(":")[0] not in namespaces)
    in_clear = [
        key
        for key in SECRET_KEYS
        if raw.get(key) and not runtime_config.is_config_secret(f"{PROJECT}:{key}")
    ]
    try:
        config = parse_config(raw, pulumi.get_stack(), declared, unknown, in_clear, foreign)
        cache = chart_cache_folder(os.environ.get(versions.CHART_CACHE_ENV) or None)
    except (ConfigError, ChartCacheError) as err:
        # The language host prints a pulumi.RunError's message alone, without a traceback
        # (pulumi-language-python-exec); any other exception comes with the program's stack.
        raise shown_as_run_error(err) from None
    return dataclasses.replace(config, chart_cache=cache)


class ChartCacheError(ValueError):
    """KIT_CHART_CACHE is set but lacks a pinned chart package: one line saying how to fix it."""


def chart_cache_folder(folder: str | None) -> str | None:
    """The chart cache as an absolute folder holding every pinned package, None when unset."""
    if not folder:
        return None
    path = Path(folder).expanduser().resolve()
    problem = versions.cache_problem(path)
    if problem:
        raise ChartCacheError(problem)
    return str(path)


def shown_as_run_error(err: Exception) -> Exception:
    """`err` as an instance of its own class and of pulumi.RunError, message and fields kept."""
    import pulumi

    shown = type(type(err).__name__, (type(err), pulumi.RunError), {})
    shown.__module__ = type(err).__module__
    copy = shown.__new__(shown)
    copy.__dict__.update(err.__dict__)
    copy.args = err.args
    return copy
