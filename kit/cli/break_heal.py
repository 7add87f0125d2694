"""`kit break pod|node|slow|errors` and `kit heal`: make the kit's alerts fire, then undo it."""

from __future__ import annotations

import argparse

from kit.cli import faults, nodes
from kit.cli.kube import connect


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
