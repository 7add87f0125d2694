"""A stack as its cost is computed from it: the offline plan's registered resources and every
Kubernetes object, the charts' as `helm template` renders them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.settings import PROJECT
from kit.plan import helm_render, helm_tool, manifests
from kit.plan.helm_render import HELM_RELEASE
from kit.plan.offline import Evaluation, Registered, evaluate, stack_config


@dataclass
class Planned:
    stack: str
    cloud: str
    resources: list[Registered]
    objects: list[dict[str, Any]]


def planned(
    evaluation: Evaluation,
    overrides: Mapping[str, Any] | None = None,
    chart_objects: list[dict[str, Any]] | None = None,
) -> Planned:
    """The plan of an evaluation; its charts rendered here unless a plan already did."""
    kit_objects = [manifests.manifest(r) for r in evaluation.resources if manifests.is_object(r)]
    if chart_objects is None:
        releases = evaluation.of_type(HELM_RELEASE)
        helm_tool.require_cached([helm_render.chart_of(r) for r in releases])
        versions = manifests.supported_versions()
        chart_objects = [o for r in releases for o in helm_render.render(r, versions).objects]
    config, _ = stack_config(evaluation.stack, overrides)
    cloud = config.get(f"{PROJECT}:cloud", "local")
    return Planned(evaluation.stack, cloud, evaluation.resources, kit_objects + chart_objects)


def plan_stack(stack: str, overrides: Mapping[str, Any] | None = None) -> Planned:
    return planned(evaluate(stack, overrides), overrides)
