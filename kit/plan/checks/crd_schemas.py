"""Schema check of the kit's prometheus-operator custom resources (PrometheusRule, PodMonitor,
...), which kubernetes-validate has no schema for.

The schemas come from the npm package @kubernetes-models/prometheus-operator, pinned with its
lock file in kit/crd-validate/ (install: `npm ci --prefix kit/crd-validate`). Version 6.0.0 is
generated from the operator's Go API types at v0.91.0; kube-prometheus-stack 88.5.3 runs
v0.93.1. v1 CRDs only grow between minor versions, so an object valid here is valid there; a
field added after v0.91 would be reported as unknown (false alarm, never a miss). No registry
package carries the v0.93.1 schemas for this Python (cloudcoil-models-prometheus-operator
0.93.1.1 needs Python >= 3.14). Its JSON schema allows unknown fields, so validate.mjs adds
TypeScript's excess-property check against the same types: strict, like the built-in kinds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GROUP = "monitoring.coreos.com/"
VALIDATOR_DIR = Path(__file__).resolve().parents[2] / "crd-validate"
SOURCE = "@kubernetes-models/prometheus-operator 6.0.0 (operator v0.91.0 API types)"
INSTALL_HINT = (
    "install the CRD schema checker: Node.js >= 20 and `npm ci --prefix kit/crd-validate`"
)


class CrdValidatorError(RuntimeError):
    """Node.js or the pinned npm packages are not installed."""


@dataclass(frozen=True)
class Problem:
    index: int  # position in the list given to check(); -1 if not tied to one object
    reason: str


def handles(obj: dict[str, Any]) -> bool:
    return str(obj.get("apiVersion", "")).startswith(GROUP)


def check(objects: list[dict[str, Any]]) -> list[Problem]:
    """Every schema problem of `objects` (all monitoring.coreos.com kinds), in one Node run."""
    if not objects:
        return []
    node = shutil.which("node")
    if node is None or not (VALIDATOR_DIR / "node_modules").is_dir():
        raise CrdValidatorError(INSTALL_HINT)
    result = subprocess.run(
        [node, str(VALIDATOR_DIR / "validate.mjs")],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise CrdValidatorError(f"{INSTALL_HINT}\n{result.stderr.strip()}")
    return [Problem(p["index"], p["reason"]) for p in json.loads(result.stdout)]
