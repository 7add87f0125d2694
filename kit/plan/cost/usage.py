"""How much a stack is used, per request of the sample app: measured defaults, which a usage
file (YAML, camelCase keys as below, any subset) overrides. The request rate itself is the
plan's: the load generator's `LOAD_RPS` (config key `loadRps`).

Each default comes from `sample-app/.venv/bin/python sample-app/bench_volume.py --rps 2
--seconds 180` (docs/cost.md#usage has its output): the three tiers, telemetry on, into a sink
that counts what arrives, and their stdout.
"""

from __future__ import annotations

from dataclasses import fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from components.cost_model import Usage

MEASURED_BY = "sample-app/bench_volume.py --rps 2 --seconds 180"
DEFAULTS = Usage(
    log_bytes_per_request=Decimal(600),  # stdout JSON lines, three tiers
    span_bytes_per_request=Decimal(1930),  # OTLP/protobuf, as the SDKs export them
)
KEYS = {
    "logBytesPerRequest": "log_bytes_per_request",
    "spanBytesPerRequest": "span_bytes_per_request",
}
assert set(KEYS.values()) == {f.name for f in fields(Usage)}


class UsageFileError(ValueError):
    """A usage file the cost cannot use: one line per problem."""


def load(path: Path | None) -> Usage:
    """The defaults, with what the usage file at `path` sets instead."""
    if path is None:
        return DEFAULTS
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise UsageFileError(f"usage file {path}: {err}") from None
    if not isinstance(data, dict):
        raise UsageFileError(f"usage file {path}: expected a mapping of {', '.join(KEYS)}")
    values, problems = {}, []
    for key, value in data.items():
        if key not in KEYS:
            problems.append(
                f"usage file {path}: {key} = {value!r}: unknown key; one of " + ", ".join(KEYS)
            )
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal(-1)
        if isinstance(value, bool) or not number.is_finite() or number < 0:
            problems.append(f"usage file {path}: {key} = {value!r}: expected a number >= 0")
            continue
        values[KEYS[key]] = number
    if problems:
        raise UsageFileError("\n".join(problems))
    return replace(DEFAULTS, **values)
