"""`python -m kit plan`: what `pulumi up` would create, written to disk without credentials.

Writes, under the output directory:
  tree.txt            the resource tree (type and name, indented under its parent)
  resources.json      every resource with type, name, parent and inputs (Secret values redacted)
  manifests/*.yaml    every Kubernetes object, ready for `kubectl apply -f`
  helm/<release>/     each Helm release: release.yaml (chart, version, repo, namespace), values.yaml
                      and rendered.yaml (`helm template` of the pinned chart with those values)
  outputs.json        the stack outputs, secrets shown as [secret]
and validates every Kubernetes object, the kit's and the charts', against the official schemas
of the oldest and newest Kubernetes versions the kit supports (custom resources against their
CRDs), and every pod template against its namespace's Pod Security level
(kit/plan/checks/pod_security.py), and the references between all of them
(kit/plan/checks/references.py: every name one object uses is an object the plan creates);
estimates the active series the stack costs Prometheus and checks that every dashboard query and
rule reads metrics the plan's sources produce, as measured (kit/plan/series.py).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.settings import PROJECT
from components.settings.common import CommonSettings
from kit.plan import helm_render, helm_tool, manifests, output_dir, series
from kit.plan.checks import chart_schemas, image_pins, pod_security, references
from kit.plan.helm_render import HELM_RELEASE, RenderedRelease
from kit.plan.offline import Evaluation, Registered, Secret, evaluate, stack_config


@dataclass
class PlanResult:
    """What a plan wrote and found."""

    evaluation: Evaluation
    out: Path
    objects: list[dict[str, Any]]
    invalid: list[manifests.Invalid]
    releases: list[RenderedRelease] = field(default_factory=list)
    pod_findings: list[pod_security.Finding] = field(default_factory=list)
    pods_checked: int = 0
    references: references.Report | None = None
    unpinned: list[image_pins.Unpinned] = field(default_factory=list)
    images_checked: int = 0
    series: series.Estimate | None = None
    unresolved: list[series.Unresolved] = field(default_factory=list)

    @property
    def rejected(self) -> list[pod_security.Finding]:
        """Pod templates their namespace's enforce level would reject."""
        return [f for f in self.pod_findings if f.mode == "enforce"]

    @property
    def ok(self) -> bool:
        return (
            not self.invalid
            and not self.rejected
            and (self.references is None or self.references.ok)
            and not self.unpinned
            and not self.unresolved
        )


def plan(stack: str, out: Path, overrides: dict[str, Any] | None = None) -> PlanResult:
    """Evaluate `stack` offline, write everything to `out` (replacing a plan folder, refusing
    any other: kit/plan/output_dir.py) and validate."""
    evaluation = evaluate(stack, overrides)
    output_dir.prepare(out)
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
    helm_tool.require_cached([helm_render.chart_of(r) for r in evaluation.of_type(HELM_RELEASE)])
    releases = []
    for release in evaluation.of_type(HELM_RELEASE):
        rendered = helm_render.render(release, manifests.supported_versions())
        _write_release(out / "helm" / release.name, release, rendered)
        releases.append(rendered)
    invalid = manifests.validate(objects) + chart_schemas.validate(releases, objects)
    chart_objects = [obj for release in releases for obj in release.objects]
    findings, pods = pod_security.check(objects + chart_objects)
    checked = references.check(objects + chart_objects)
    unpinned, images = image_pins.check(objects + chart_objects)
    everything = objects + chart_objects
    return PlanResult(
        evaluation,
        out,
        objects,
        invalid,
        releases,
        findings,
        pods,
        checked,
        unpinned,
        images,
        series.estimate(everything, _node_count(stack, overrides)),
        series.unresolved(everything),
    )


def _node_count(stack: str, overrides: dict[str, Any] | None) -> int:
    """The stack's nodeCount (aks/eks; local: the same default, for an estimate)."""
    config, _ = stack_config(stack, overrides)
    value = config.get(f"{PROJECT}:nodeCount")
    return int(value) if value else CommonSettings.model_fields["node_count"].default


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
    charts = sum(len(r.objects) for r in result.releases)
    per_release = ", ".join(f"{r.name} {len(r.objects)}" for r in result.releases)
    lines.append(
        f"{len(result.objects) + charts} Kubernetes objects ({len(result.objects)} kit, {charts} "
        f"from charts: {per_release}) checked with kubernetes-validate --strict against {low} "
        f"and {high} (custom resources against their CRDs): "
        + ("all valid" if not result.invalid else f"{len(result.invalid)} problem(s)")
    )
    lines += [f"  INVALID {i.object} (k8s {i.version}): {i.reason}" for i in result.invalid]
    warned = [f for f in result.pod_findings if f.mode == "warn"]
    lines.append(
        f"{result.pods_checked} pod templates checked against their namespace's Pod Security "
        "level (k8s.io/pod-security-admission): "
        + (f"{len(result.rejected)} rejection(s)" if result.rejected else "all admitted")
        + (f", {len({f.pod for f in warned})} would warn" if warned else "")
    )
    lines += [f"  REJECTED {f}" for f in result.rejected]
    lines += [f"  warn     {f}" for f in warned]
    lines += result.references.summary() if result.references else []
    lines.append(
        f"{result.images_checked} image references checked against the pinned table "
        "(components/images.py): "
        + (f"{len(result.unpinned)} not pinned" if result.unpinned else "all pinned by digest")
    )
    lines += [f"  UNPINNED {u}" for u in result.unpinned]
    if result.series:
        lines.append(result.series.line())
        lines.append(
            "dashboards and rules against the measured series: "
            + (f"{len(result.unresolved)} unresolved" if result.unresolved else "all resolve")
        )
        lines += [f"  UNRESOLVED {u}" for u in result.unresolved]
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
            "custom": r.custom,
            "inputs": manifests.manifest(r) if manifests.is_object(r) else r.inputs,
        }
        for r in evaluation.resources
    ]


def _write_release(folder: Path, release: Registered, rendered: RenderedRelease) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    spec = {k: release.inputs.get(k) for k in ("chart", "version", "repositoryOpts", "namespace")}
    (folder / "release.yaml").write_text(_yaml({"name": release.inputs.get("name"), **spec}))
    (folder / "values.yaml").write_text(_yaml(release.inputs.get("values", {})))
    written = [manifests.redact_secret_data(copy.deepcopy(obj)) for obj in rendered.objects]
    (folder / "rendered.yaml").write_text(
        yaml.dump_all(written, Dumper=yaml.CSafeDumper, sort_keys=False)
    )


def _slug(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    parts = [obj.get("kind", "object"), meta.get("namespace", ""), meta.get("name", "")]
    return re.sub(r"[^a-z0-9.-]+", "-", "-".join(p for p in parts if p).lower())


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
