"""Prove a refactor changed no object: `python -m kit.plan.diff REF` plans every stack in the
git revision REF and in the working tree, and prints what differs.

Each side runs its own `python -m kit plan --out` (the plan's interface, stable across layouts)
and is compared by its resources.json: every custom resource by (type, name) with its inputs
(the Kubernetes objects and the Helm releases' values included), and each resource's URN. A
changed URN with the same inputs is reported as moved: a deployed stack replaces it unless the
new code aliases the old URN. Exit 0 when nothing differs, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from kit import stackfile

ROOT = Path(__file__).resolve().parents[2]
STACKS = tuple(stackfile.names())  # every stack in stacks/
# Built or installed trees the plan's checks read, shared with the other revision's copy.
SHARED = (".tools", ".build", "kit/crd-validate/node_modules", "policy/venv", "venv")


def export(ref: str, into: Path) -> Path:
    """The tree of `ref` (as committed) in `into`, with this checkout's built tools linked in."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        raise SystemExit(f"plan diff: cannot read revision {ref!r}: {why[-1]}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    for name in SHARED:
        if (ROOT / name).exists() and not (into / name).exists():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            (into / name).symlink_to(ROOT / name)
    return into


def resources(tree: Path, stack: str, out: Path) -> list[dict[str, Any]]:
    """The resources `kit plan` of `tree` registers for `stack` (written before its checks run,
    so a check that fails for an unrelated reason does not hide the objects)."""
    subprocess.run(
        [sys.executable, "-m", "kit", "plan", "--stack", stack, "--out", str(out)],
        cwd=tree,
        capture_output=True,
    )
    written = out / "resources.json"
    if not written.is_file():
        raise SystemExit(f"plan_diff: {tree} wrote no resources.json for stack {stack}")
    return json.loads(written.read_text())


def index(found: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Custom resources by (type, name), with their inputs and the parent URN that (with type
    and name) makes their own URN."""
    return {
        (r["type"], r["name"]): {"inputs": r["inputs"], "parent": r.get("parent", "")}
        for r in found
        if not is_component(r)
    }


def is_component(resource: dict[str, Any]) -> bool:
    if "custom" in resource:
        return not resource["custom"]
    return resource["type"].startswith(("o11y-kit:", "pulumi:pulumi:Stack"))


def differences(stack: str, before: list[dict], after: list[dict]) -> list[str]:
    old, new = index(before), index(after)
    lines = [f"{stack}: only in REF: {t} {n}" for t, n in sorted(old.keys() - new.keys())]
    lines += [f"{stack}: only in the tree: {t} {n}" for t, n in sorted(new.keys() - old.keys())]
    for key in sorted(old.keys() & new.keys()):
        if old[key]["inputs"] != new[key]["inputs"]:
            lines.append(f"{stack}: inputs differ: {key[0]} {key[1]}")
        elif old[key]["parent"] != new[key]["parent"]:
            lines.append(
                f"{stack}: moved (alias the old URN): {key[0]} {key[1]}\n"
                f"    parent was {old[key]['parent']}\n    now {new[key]['parent']}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.plan.diff", description=__doc__)
    parser.add_argument("ref", help="the git revision to compare with (e.g. main, HEAD~3)")
    parser.add_argument("--stack", action="append", choices=STACKS, help="default: every stack")
    args = parser.parse_args(argv)
    found: list[str] = []
    counts = []
    with tempfile.TemporaryDirectory(prefix="o11y-kit-plan-diff-") as tmp:
        base = export(args.ref, Path(tmp) / "ref")
        for stack in args.stack or STACKS:
            before = resources(base, stack, Path(tmp) / f"before-{stack}")
            after = resources(ROOT, stack, Path(tmp) / f"after-{stack}")
            found += differences(stack, before, after)
            counts.append(f"{stack} {len(index(after))}")
    print(
        "\n".join(found + [f"{len(found)} differences from {args.ref}"])
        if found
        else f"no differences from {args.ref}"
    )
    print(f"custom resources in the tree: {', '.join(counts)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
