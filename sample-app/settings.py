"""The app's own configuration, read once from the environment.

OpenTelemetry settings (OTEL_*) are not here: the SDK reads the standard variables itself, so the
kit configures the app exactly as it would configure any other OpenTelemetry service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

TIERS = ("front", "middle", "back")
LAST_TIER = "back"


class SettingsError(ValueError):
    """A misconfiguration that must stop the process at start, not at the first request."""


@dataclass(frozen=True)
class Settings:
    tier: str
    downstream_url: str
    host: str
    port: int
    work_ms: float
    downstream_timeout_s: float
    fault_error_ratio: float
    fault_extra_latency_ms: float
    log_level: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        tier = env.get("TIER", "").strip()
        if tier not in TIERS:
            raise SettingsError(f"TIER must be one of {', '.join(TIERS)}, got {tier!r}")
        downstream_url = env.get("DOWNSTREAM_URL", "").strip()
        if tier == LAST_TIER and downstream_url:
            raise SettingsError(f"the {LAST_TIER} tier calls nothing: unset DOWNSTREAM_URL")
        if tier != LAST_TIER and not downstream_url:
            raise SettingsError(f"the {tier} tier needs DOWNSTREAM_URL (the next tier's URL)")
        return cls(
            tier=tier,
            downstream_url=downstream_url,
            host=env.get("HOST", "0.0.0.0"),
            port=_number(env, "PORT", 8080, int, low=0, high=65535),  # 0: any free port
            work_ms=_number(env, "WORK_MS", 20.0, float, low=0),
            downstream_timeout_s=_number(env, "DOWNSTREAM_TIMEOUT_S", 5.0, float, low=0.1),
            fault_error_ratio=_number(env, "FAULT_ERROR_RATIO", 0.0, float, low=0, high=1),
            fault_extra_latency_ms=_number(env, "FAULT_EXTRA_LATENCY_MS", 0.0, float, low=0),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
        )


def _number(env, name, default, kind, low=None, high=None):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{name}={raw} is outside [{low}, {high if high is not None else ''}]")
    return value
