"""What each `kit break` did, so that `kit heal` undoes exactly that and nothing else.

One JSON file per stack, `.kit/breaks/<stack>.json` in the checkout (KIT_BREAKS_DIR moves the
folder): a list of runs, oldest first, each an id and the actions it took. It lives beside the
checkout like `.pulumi-state/`, but not inside it: that folder is Pulumi's backend (and may be
a remote one instead), and a file of ours there is one Pulumi never expects. Each action is also
marked where it happened (an annotation on the Kubernetes object, a tag on the EC2 instance and
its autoscaling group) so heal can see that the thing is still the one the run broke.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

from kit.cli.errors import KitError

ROOT = Path(__file__).resolve().parent.parent.parent
RUN_ANNOTATION = "o11y-kit/break-run"  # also the EC2 / autoscaling tag key


def folder() -> Path:
    return Path(os.environ.get("KIT_BREAKS_DIR") or ROOT / ".kit" / "breaks")


def record_path(stack: str) -> Path:
    return folder() / f"{stack}.json"


def new_run_id() -> str:
    """Sortable and unique enough for one checkout: UTC time plus a random suffix."""
    return f"{dt.datetime.now(tz=dt.UTC):%Y%m%dt%H%M%S}-{secrets.token_hex(3)}"


def runs(stack: str) -> list[dict]:
    path = record_path(stack)
    if not path.is_file():
        return []
    try:
        return json.loads(path.read_text())["runs"]
    except (ValueError, KeyError, TypeError):
        raise KitError(f"{path} is not a break record the kit wrote; move it away") from None


def add(stack: str, run_id: str, actions: list[dict]) -> None:
    _write(stack, [*runs(stack), {"run": run_id, "actions": actions}])


def pick(stack: str, run_id: str | None) -> dict | None:
    """The run asked for, else the latest; None when nothing is recorded."""
    recorded = runs(stack)
    if run_id is None:
        return recorded[-1] if recorded else None
    found = [r for r in recorded if r["run"] == run_id]
    if not found:
        known = ", ".join(r["run"] for r in recorded) or "none"
        raise KitError(f"no break run {run_id} recorded for stack {stack} (recorded: {known})")
    return found[0]


def keep(stack: str, run_id: str, remaining: list[dict]) -> None:
    """Leave only `remaining` of a run's actions; a run with none left is forgotten."""
    updated = [
        {**r, "actions": remaining} if r["run"] == run_id else r
        for r in runs(stack)
        if r["run"] != run_id or remaining
    ]
    _write(stack, updated)


def _write(stack: str, recorded: list[dict]) -> None:
    path = record_path(stack)
    if not recorded:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"stack": stack, "runs": recorded}, indent=2) + "\n")
    temporary.replace(path)
