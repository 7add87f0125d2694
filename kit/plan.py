"""`python -m kit plan`: what `pulumi up` would create, written to disk without credentials.

Writes, under the output directory:
  tree.txt            the resource tree (type and name, indented under its parent)
  resources.json      every resource with type, name, parent and inputs (Secret values redacted)
  manifests/*.yaml    every Kubernetes object, ready for `kubectl apply -f`
  helm/<release>/     each Helm release: release.yaml (chart, version, repo, namespace), values.yaml
  outputs.json        the stack outputs, secrets shown as [secret]
and validates every Kubernetes object against the official schemas of the oldest and newest
Kubernetes versions the kit supports.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kit import manifests, outdir
from kit.offline import Evaluation, Registered, Secret, evaluate

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


@dataclass
class PlanResult:
    """What a plan wrote and found."""

    evaluation: Evaluation
    out: Path
    objects: list[dict[str, Any]]
    invalid: list[manifests.Invalid]

    @property
    def ok(self) -> bool:
        return not self.invalid


def plan(stack: str, out: Path, overrides: dict[str, Any] | None = None) -> PlanResult:
    """Evaluate `stack` offline, write everything to `out` (replacing a plan folder, refusing
    any other: kit/outdir.py) and validate."""
    evaluation = evaluate(stack, overrides)
    outdir.prepare(out)
    (out / "manifests").mkdir()
    (out / "tree.txt").write_text(render_tree(evaluation.resources))
    (out / "resources.json").write_text(json.dumps(_resources(evaluation), indent=2, default=str))
    (out / "outputs.json").write_text(json.dumps(evaluation.outputs, indent=2, default=repr))
    objects = sorted(
        (manifests.manifest(r) for r in evaluation.resources if manifests.is_object(r)),
        key=manifests.apply_order,
    )
    for index, obj in enumerate(objects):
        (out / "manifests" / f"{index:03d}-{_slug(obj)}.yaml").write_text(_yaml(obj))
    for release in evaluation.of_type(HELM_RELEASE):
        _write_release(out / "helm" / release.name, release)
    return PlanResult(evaluation, out, objects, manifests.validate(objects))


def render_tree(resources: list[Registered]) -> str:
    """Each resource under its parent, as `type name`."""
    children: dict[str, list[Registered]] = {}
    for r in sorted(resources, key=lambda x: (x.type, x.name)):
        children.setdefault(r.parent, []).append(r)
    urns = {r.urn for r in resources}
    roots = sorted((r for r in resources if r.parent not in urns), key=lambda x: (x.type, x.name))
    lines: list[str] = []

    def walk(node: Registered, depth: int) -> None:
        lines.append(f"{'  ' * depth}{node.type}  {node.name}")
        for child in children.get(node.urn, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return "\n".join(lines) + "\n"


def summary(result: PlanResult) -> str:
    """A short report for the terminal."""
    ev = result.evaluation
    counts = Counter(r.type for r in ev.resources if r.custom)
    lines = [f"stack {ev.stack}: {sum(counts.values())} resources, written to {result.out}"]
    lines += [f"  {n:4d}  {t}" for t, n in sorted(counts.items())]
    low, high = manifests.supported_versions()
    lines.append(
        f"{len(result.objects)} Kubernetes objects checked with kubernetes-validate --strict "
        f"against {low} and {high} (custom resources against the prometheus-operator CRD "
        "schemas): " + ("all valid" if result.ok else f"{len(result.invalid)} problem(s)")
    )
    lines += [f"  INVALID {i.object} (k8s {i.version}): {i.reason}" for i in result.invalid]
    lines.append("outputs (IDs, IPs and endpoints the cloud assigns are offline placeholders):")
    lines += [
        f"  {k}: {v!r}" if isinstance(v, Secret) else f"  {k}: {v}" for k, v in ev.outputs.items()
    ]
    return "\n".join(lines)


def _resources(evaluation: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "inputs": manifests.manifest(r) if manifests.is_object(r) else r.inputs,
        }
        for r in evaluation.resources
    ]


def _write_release(folder: Path, release: Registered) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    spec = {k: release.inputs.get(k) for k in ("chart", "version", "repositoryOpts", "namespace")}
    (folder / "release.yaml").write_text(_yaml({"name": release.inputs.get("name"), **spec}))
    (folder / "values.yaml").write_text(_yaml(release.inputs.get("values", {})))


def _slug(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    parts = [obj.get("kind", "object"), meta.get("namespace", ""), meta.get("name", "")]
    return re.sub(r"[^a-z0-9.-]+", "-", "-".join(p for p in parts if p).lower())


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
