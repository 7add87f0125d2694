"""Each cluster command's name, help and options, apart from its code: `--help` and a mistyped
option answer before the kubernetes client loads, and a command's module is imported only to
run it (tests/kit/cli/test_kitcli_imports.py)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from kit import stackfile

COMMANDS = ("status", "open", "traffic", "break", "heal", "verify")
MAX_RPS = 200
DEFAULT_ERROR_RATIO = 0.5
DEFAULT_LATENCY_MS = 400  # front then waits > 300 ms, the latency SLO's threshold
# kit/cli/open_ui.py's TARGETS, named here so that listing them loads no Service names
OPEN_TARGETS = ("alertmanager", "app", "grafana", "logs", "prometheus", "traces")


def add_parsers(commands) -> None:
    """Add the walkthrough's commands to the `python -m kit` subparsers."""
    status = commands.add_parser("status", help="pods per node, agent coverage, Fargate sidecars")
    _target(status, "status")

    ui = commands.add_parser("open", help="port-forward to a UI and print its URL")
    ui.add_argument("target", choices=OPEN_TARGETS)
    ui.add_argument("--port", type=int, help="local port (default: the usual one, else any)")
    _target(ui, "open_ui")

    traffic = commands.add_parser("traffic", help="send requests to the front end, report latency")
    traffic.add_argument("--rps", type=rate, default=10.0, help="requests per second (default 10)")
    traffic.add_argument("--duration", type=duration_seconds, default=30.0, help="e.g. 30s, 2m")
    traffic.add_argument("--url", help="front end URL (default: a port-forward to svc/front)")
    _target(traffic, "traffic")

    fault = commands.add_parser("break", help="make an alert fire: pod, node, slow or errors")
    fault.add_argument("what", choices=["pod", "node", "slow", "errors"])
    fault.add_argument("--yes", action="store_true", help="node: really stop the machine")
    fault.add_argument("--node", help="node: which one (default: a worker without Prometheus)")
    fault.add_argument(
        "--ratio",
        type=ratio,
        default=DEFAULT_ERROR_RATIO,
        help=f"errors: share of back requests failing (default {DEFAULT_ERROR_RATIO})",
    )
    fault.add_argument(
        "--latency-ms",
        type=latency_ms,
        default=DEFAULT_LATENCY_MS,
        help=f"slow: latency back adds (default {DEFAULT_LATENCY_MS})",
    )
    _target(fault, "break_heal", "run_break")
    heal = commands.add_parser("heal", help="undo what a recorded break run did, and only that")
    heal.add_argument(
        "--run", dest="break_run", help="which break run (default: the latest recorded)"
    )
    heal.add_argument("--yes", action="store_true", help="node: really start the machine")
    _target(heal, "break_heal", "run_heal")

    verify = commands.add_parser("verify", help="check that metrics, traces and logs arrive")
    for name in ("prometheus", "tempo", "loki"):
        verify.add_argument(f"--{name}-url", help=f"use this {name} URL instead of a port-forward")
    verify.add_argument("--cluster-name", help="eks: cluster name (default: the stack output)")
    _target(verify, "verify")


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """Options every cluster-facing command shares."""
    # kit.stackfile imports only PyYAML (kit.plan.offline would load Pulumi at every start-up).
    parser.add_argument(
        "--stack",
        choices=stackfile.names(),
        help="Pulumi stack whose outputs and kubeconfig to use",
    )
    parser.add_argument("--context", help="kube context to use (default: the current one)")
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )


def _target(parser: argparse.ArgumentParser, module: str, function: str = "run") -> None:
    add_target_options(parser)
    parser.set_defaults(run=_runner(f"kit.cli.{module}", function))


def _runner(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), function)(args)

    return run


def duration_seconds(text: str) -> float:
    """ "30", "30s", "2m" -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected seconds, e.g. 30, 30s or 2m"
        ) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return seconds


def _positive_up_to(upper: float, option: str, expected: str) -> Callable[[str], float]:
    """An argparse type: a number in (0, upper], else one line naming the option."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {expected}") from None
        if not 0 < value <= upper:
            raise argparse.ArgumentTypeError(f"{option} must be in (0, {upper}]")
        return value

    return parse


rate = _positive_up_to(MAX_RPS, "--rps", "requests per second")
ratio = _positive_up_to(1, "--ratio", "a number in (0, 1]")


def latency_ms(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 10_000:
        raise argparse.ArgumentTypeError("--latency-ms must be an integer in 1..10000")
    return int(text)
