"""The stack's config as the Pulumi engine hands it to the program: the one part of settings that
loads the Pulumi SDK, so the cluster CLI can read stack files without it."""

from __future__ import annotations

import dataclasses
import os

import pulumi
from pulumi.runtime import config as runtime_config

from components import versions
from components.settings import ChartCacheError, chart_cache_folder
from components.settings.config import PROJECT, PROVIDER_NAMESPACES, ConfigError, KitConfig
from components.settings.parse import SECRET_KEYS, load_declarations, parse_config


def load_config() -> KitConfig:
    """Read the running stack's config through Pulumi and validate it."""
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


def shown_as_run_error(err: Exception) -> Exception:
    """`err` as an instance of its own class and of pulumi.RunError, message and fields kept."""
    shown = type(type(err).__name__, (type(err), pulumi.RunError), {})
    shown.__module__ = type(err).__module__
    copy = shown.__new__(shown)
    copy.__dict__.update(err.__dict__)
    copy.args = err.args
    return copy
