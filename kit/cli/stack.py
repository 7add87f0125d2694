"""Stack outputs through the Pulumi CLI, when there is one (kit/cli/pulumi_cli.py: $PULUMI,
`pulumi` on PATH, or the one `make up` installed in .tools/): the kubeconfig of an aks/eks stack,
the cluster name and the cloud; and the stack's state, which `break` and `heal` check the cluster
against (kit/cli/ownership.py). Secrets are read into memory, never printed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from kit.cli import pulumi_cli
from kit.cli.errors import KitError

ROOT = Path(__file__).resolve().parent.parent.parent


def pulumi_available() -> bool:
    return _cli() is not None


def _cli() -> Path | None:
    try:
        return pulumi_cli.find()
    except pulumi_cli.PulumiCliError as err:
        raise KitError(str(err)) from None


def stack_outputs(stack: str) -> dict:
    """`pulumi stack output --json --show-secrets --stack S`."""
    outputs = _pulumi_json(stack, "output", "--json", "--show-secrets")
    if not outputs:
        raise KitError(f"stack {stack!r} is not deployed (no outputs): run make up STACK={stack}")
    return outputs


def stack_state(stack: str) -> dict:
    """`pulumi stack export --stack S`: every resource the stack's `up` made, with its outputs
    (secrets stay encrypted)."""
    return _pulumi_json(stack, "export")


def _pulumi_json(stack: str, *command: str) -> dict:
    """Run `pulumi stack <command> --stack S` with the Makefile's default backend
    (.pulumi-state) so the CLI finds the stacks `make up` created, and parse what it prints."""
    env = dict(os.environ)
    env.setdefault("PULUMI_BACKEND_URL", f"file://{ROOT}/.pulumi-state")
    cli = _cli()
    if cli is None:
        raise KitError("no Pulumi CLI to read the stack's outputs with: run make up, or set PULUMI")
    shown = f"pulumi stack {command[0]} --stack {stack}"
    try:
        done = subprocess.run(
            [str(cli), "stack", *command, "--stack", stack],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise KitError(f"{shown} failed: {err}") from None
    if done.returncode != 0 and "PULUMI_CONFIG_PASSPHRASE" in done.stderr:
        # Captured output means no terminal: Pulumi cannot prompt for the passphrase.
        raise KitError(
            f"stack {stack!r}: Pulumi needs the stack's passphrase to read its outputs; "
            "export PULUMI_CONFIG_PASSPHRASE (the one chosen at make up) and run this again"
        )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise KitError(f"stack {stack!r} has no outputs (is it deployed? make up): {first}")
    try:
        return json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        raise KitError(f"{shown} did not print JSON") from None
