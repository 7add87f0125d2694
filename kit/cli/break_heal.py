"""`kit break pod|node|slow|errors` and `kit heal`: make the kit's alerts fire, then undo it."""

from __future__ import annotations

import argparse

from kit.cli import faults, nodes
from kit.cli.kube import add_target_options, connect

DEFAULT_ERROR_RATIO = 0.5
DEFAULT_LATENCY_MS = 400  # front then waits > 300 ms, the latency SLO's threshold


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number in (0, 1]") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("--ratio must be in (0, 1]")
    return value


def _latency(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 10_000:
        raise argparse.ArgumentTypeError("--latency-ms must be an integer in 1..10000")
    return int(text)


def add_parsers(commands) -> None:
    cmd = commands.add_parser("break", help="make an alert fire: pod, node, slow or errors")
    cmd.add_argument("what", choices=["pod", "node", "slow", "errors"])
    cmd.add_argument("--yes", action="store_true", help="node: really stop the machine")
    cmd.add_argument("--node", help="node: which one (default: a worker without Prometheus)")
    cmd.add_argument(
        "--ratio",
        type=_ratio,
        default=DEFAULT_ERROR_RATIO,
        help=f"errors: share of back requests failing (default {DEFAULT_ERROR_RATIO})",
    )
    cmd.add_argument(
        "--latency-ms",
        type=_latency,
        default=DEFAULT_LATENCY_MS,
        help=f"slow: latency back adds (default {DEFAULT_LATENCY_MS})",
    )
    add_target_options(cmd)
    cmd.set_defaults(run=run_break)
    heal = commands.add_parser("heal", help="undo every break: pod, knobs, stopped nodes")
    add_target_options(heal)
    heal.set_defaults(run=run_heal)


def run_break(args: argparse.Namespace) -> int:
    kube = connect(args)
    if args.what == "pod":
        print(faults.break_pod(kube))
    elif args.what == "errors":
        print(faults.set_knob(kube, faults.ERROR_KNOB, f"{args.ratio:g}"))
    elif args.what == "slow":
        print(faults.set_knob(kube, faults.LATENCY_KNOB, str(args.latency_ms)))
    else:
        print(nodes.break_node(kube, args.node, args.yes))
    return 0


def run_heal(args: argparse.Namespace) -> int:
    kube = connect(args)
    done = faults.heal_app(kube) + nodes.heal_nodes(kube)
    print("\n".join(done) if done else "nothing to heal")
    return 0
