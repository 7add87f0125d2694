"""`kit break pod|node|slow|errors` and `kit heal`: make the kit's alerts fire, then undo it.
Both act only on the stack's own cluster (kit/cli/ownership.py); break records what it did
(kit/cli/breaks.py) and heal undoes that run and nothing else."""

from __future__ import annotations

import argparse

from components.platforms import facts
from kit import stackfile
from kit.cli import breaks, faults, nodes, ownership
from kit.cli.errors import KitError
from kit.cli.kube import Kube, connect
from kit.cli.stack import stack_outputs, stack_state


def run_break(args: argparse.Namespace) -> int:
    kube, own = own_cluster(args)
    run_id = breaks.new_run_id()
    if args.what == "pod":
        said, action = faults.break_pod(kube, run_id)
    elif args.what == "errors":
        said, action = faults.set_knob(kube, faults.ERROR_KNOB, f"{args.ratio:g}", run_id)
    elif args.what == "slow":
        said, action = faults.set_knob(kube, faults.LATENCY_KNOB, str(args.latency_ms), run_id)
    else:
        said, action = nodes.break_node(kube, args.node, args.yes, run_id, own.cluster)
    print(said)
    if action:
        breaks.add(own.stack, run_id, [action])
        print(f"recorded as break run {run_id}: python -m kit heal --stack {own.stack} undoes it")
    return 0


def run_heal(args: argparse.Namespace) -> int:
    kube, own = own_cluster(args)
    recorded = breaks.pick(own.stack, args.break_run)
    if recorded is None:
        print(f"nothing to heal: no break run recorded for stack {own.stack}")
        return 0
    run_id, remaining = recorded["run"], []
    for action in reversed(recorded["actions"]):
        said, over = undo(kube, action, run_id, args.yes)
        print(said)
        if not over:
            remaining.insert(0, action)
    breaks.keep(own.stack, run_id, remaining)
    if remaining:
        print(f"break run {run_id} stays recorded until the above is done with --yes")
    else:
        print(f"break run {run_id} healed; its record is cleared")
    return 0


def undo(kube: Kube, action: dict, run_id: str, yes: bool) -> tuple[str, bool]:
    if action["kind"] == "pod":
        return faults.heal_pod(kube, action, run_id), True
    if action["kind"] == "knob":
        return faults.heal_knob(kube, action, run_id), True
    return nodes.heal_node(kube, action, run_id, yes)


def own_cluster(args: argparse.Namespace) -> tuple[Kube, ownership.StackIdentity]:
    """Connect, and prove the cluster is the stack's own; one line and nothing done otherwise."""
    kube = connect(args)
    if not args.stack:
        raise KitError(
            f"{args.command} acts only on a stack's own cluster: name it with --stack "
            f"({', '.join(stackfile.names())})"
        )
    outputs = kube.outputs or stack_outputs(args.stack)
    config = stackfile.read(args.stack).config
    made_by_stack = facts(config.get("o11y-kit:cloud", "local")).creates_cluster
    local_host = "" if made_by_stack else ownership.local_api_host(config)
    own = ownership.identity(args.stack, outputs, stack_state(args.stack), local_host)
    ownership.prove(kube, own)
    return kube, own
