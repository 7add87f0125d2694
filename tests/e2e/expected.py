"""What a real `up` must produce, from the same offline evaluation `python -m kit plan` makes:
every object of the program and of the charts' renderings, and which resources a config change
should touch."""

from __future__ import annotations

from typing import Any

from kit.plan import helm_render, manifests, offline

HOOK = "helm.sh/hook"


def planned_objects(stack: str, overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The plan's objects as the newest supported Kubernetes gets them, Helm hooks left out
    (Helm deletes them after they ran: their delete policy)."""
    ev = offline.evaluate(stack, overrides)
    objects = [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]
    newest = manifests.supported_versions()[-1]
    for release in ev.of_type(helm_render.HELM_RELEASE):
        objects += helm_render.render(release, (newest,)).objects
    return [o for o in objects if HOOK not in (o.get("metadata", {}).get("annotations") or {})]


def touched_by(stack: str, overrides: dict[str, Any]) -> set[tuple[str, str]]:
    """(type, name) of every custom resource whose inputs differ, appear or disappear when the
    stack's config gets `overrides`."""
    before = {(r.type, r.name): r.inputs for r in offline.evaluate(stack).resources if r.custom}
    after = {
        (r.type, r.name): r.inputs for r in offline.evaluate(stack, overrides).resources if r.custom
    }
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
