"""The value types a stack config key can have, read from the strings Pulumi hands over, and the
rules a value can be held to; a broken rule raises RuleError, which parse.py turns into one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, field_validator


class RuleError(ValueError):
    """What is wrong with `value`; the line shown is `<key> = <value>: <what>.`"""

    def __init__(self, what: str, value: Any):
        super().__init__(what)
        self.value = value


class LineError(ValueError):
    """A problem worded as a whole line (it names several keys, or no value): shown as it is."""


def _integer(value: Any) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    except (ValueError, TypeError):
        raise RuleError("not a valid integer", value) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).lower()
    if lowered not in ("true", "false"):
        raise RuleError("not a valid boolean (true or false)", value)
    return lowered == "true"


def _strings(value: Any) -> list[str]:
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise RuleError('not a valid list of strings, e.g. ["a", "b"]', value)
    return items


# Pulumi.yaml's type of each: the Pulumi CLI reads the same types from that file.
Text = Annotated[str, BeforeValidator(str)]
Integer = Annotated[int, BeforeValidator(_integer)]
Boolean = Annotated[bool, BeforeValidator(_boolean)]
Strings = Annotated[list[str], BeforeValidator(_strings)]
PULUMI_TYPES = {str: "string", int: "integer", bool: "boolean", list[str]: "array"}


def rule(problem_of: Callable[[Any], str | None]) -> AfterValidator:
    """A check that returns what is wrong with a value (None: nothing), as a validator."""

    def check(value: Any) -> Any:
        problem = problem_of(value)
        if problem:
            raise RuleError(problem, value)
        return value

    return AfterValidator(check)


def one_of(*allowed: str) -> AfterValidator:
    return rule(lambda v: None if v in allowed else f"allowed values are {', '.join(allowed)}")


def int_range(low: int, high: int, shown: str | None = None) -> AfterValidator:
    """low..high; `shown` replaces "low-high" in the message when a narrower range applies
    where the key is used."""
    return rule(
        lambda v: None if low <= v <= high else f"allowed range is {shown or f'{low}-{high}'}"
    )


def matches(pattern: re.Pattern[str], what: str) -> AfterValidator:
    """Empty (not set) or the whole value matching `pattern`."""
    return rule(lambda v: None if not v or pattern.fullmatch(v) else f"not {what}")


def formatted(problem_of: Callable[[str], str | None]) -> AfterValidator:
    """Empty (not set) or a value `problem_of` finds nothing wrong with."""
    return rule(lambda v: problem_of(v) if v else None)


def each(valid: Callable[[str], bool], what: str) -> AfterValidator:
    """Every entry valid, none twice."""

    def problem_of(items: list[str]) -> str | None:
        bad = [i for i in items if not valid(i)]
        if bad:
            return f"{', '.join(map(repr, bad))} not {what}"
        if len(set(items)) != len(items):
            return "lists an entry more than once"
        return None

    return rule(problem_of)


def also(field: str, ok: Callable[[Any], bool], what: str | Callable[[Any], str]) -> Any:
    """A cloud's own rule for a key it shares with other clouds: a value that is not `ok` is
    refused saying `what` (or what(value)). Bind it to a name in the cloud's model."""

    def check(cls: type, value: Any) -> Any:
        if not ok(value):
            raise RuleError(what(value) if callable(what) else what, value)
        return value

    return field_validator(field)(check)
