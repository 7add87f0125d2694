"""Which kind cluster the kit created for a stack, so that `make destroy` deletes that cluster
and never one the kit did not create.

One JSON file per stack, `.kit/clusters/<stack>.json` in the checkout (KIT_CLUSTERS_DIR moves
the folder), beside the cluster's own kubeconfig, `<stack>.kubeconfig`: kind writes the
cluster's context there rather than into the user's kubeconfig, whose contexts the kit leaves
alone. The record is written before the cluster is created, so an interrupted `make up` still
leaves the kit a way to delete what it started.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from components.settings.config import PROJECT
from kit.cli.errors import KitError

ROOT = Path(__file__).resolve().parent.parent.parent
CREATED_BY = PROJECT  # the record's `createdBy`: only the kit writes it


def folder() -> Path:
    return Path(os.environ.get("KIT_CLUSTERS_DIR") or ROOT / ".kit" / "clusters")


def record_path(stack: str) -> Path:
    return folder() / f"{stack}.json"


def kubeconfig_path(stack: str) -> Path:
    return folder() / f"{stack}.kubeconfig"


def cluster_name(stack: str) -> str:
    """The kit's kind cluster for `stack`, named like the clouds' clusters (o11y-kit-<stack>)."""
    return f"{PROJECT}-{stack}"


def read(stack: str) -> dict | None:
    """The stack's record, None when the kit created no cluster for it; a file the kit did not
    write, or one that names another stack or cluster, is refused."""
    path = record_path(stack)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
        fields = (record["createdBy"], record["stack"], record["cluster"], record["kubeconfig"])
    except (ValueError, KeyError, TypeError):
        raise KitError(f"{path} is not a cluster record the kit wrote; move it away") from None
    if fields[:3] != (CREATED_BY, stack, cluster_name(stack)):
        raise KitError(
            f"{path} names cluster {fields[2]!r} of stack {fields[1]!r} (created by "
            f"{fields[0]!r}), not the kit's {cluster_name(stack)!r} of stack {stack!r}: the kit "
            "deletes only the cluster it created for this stack; move the file away"
        )
    return record


def write(stack: str, **fields: str) -> dict:
    path = record_path(stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "createdBy": CREATED_BY,
        "stack": stack,
        "cluster": cluster_name(stack),
        "context": f"kind-{cluster_name(stack)}",
        "kubeconfig": str(kubeconfig_path(stack)),
        **fields,
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=2) + "\n")
    temporary.replace(path)
    return record


def forget(stack: str) -> None:
    record_path(stack).unlink(missing_ok=True)
    kubeconfig_path(stack).unlink(missing_ok=True)
