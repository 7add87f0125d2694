"""Errors the CLI reports as one line: the user can fix them, a traceback would not help."""

from __future__ import annotations

USAGE_OR_ENVIRONMENT = 2


class KitError(Exception):
    """Something outside the kit's code is wrong: no cluster, wrong context, backend down.
    Shown as one line on stderr; exit code 2."""


class BackendUnreachableError(KitError):
    """A backend (Prometheus, Tempo, Loki, a cloud API) did not answer at all."""
