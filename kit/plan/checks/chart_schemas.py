"""The rendered charts' objects checked like the kit's own: built-in kinds by kubernetes-validate
--strict at the Kubernetes version they were rendered for, custom resources (the charts' and
the kit's) against the CRDs the charts install."""

from __future__ import annotations

from typing import Any

from kit.plan import manifests
from kit.plan.checks.chart_crds import ChartCrds
from kit.plan.helm_render import RenderedRelease


def crds_of(releases: list[RenderedRelease]) -> ChartCrds:
    return ChartCrds(
        obj
        for release in releases
        for obj in release.objects
        if obj.get("kind") == "CustomResourceDefinition"
    )


def validate(
    releases: list[RenderedRelease], kit_objects: list[dict[str, Any]]
) -> list[manifests.Invalid]:
    """Problems of every rendered object, and of the kit's custom resources against the charts'
    CRDs (on top of kit/plan/checks/crd_schemas.py's check, which runs without any chart)."""
    crds = crds_of(releases)
    invalid: list[manifests.Invalid] = []
    for release in releases:
        for kube_version, objects in release.by_kube_version.items():
            for obj in objects:
                if not crds.defines(obj):
                    invalid += manifests.validate_builtin(obj, [kube_version])
                elif objects is release.objects:  # CRD schemas do not vary by version
                    invalid += crds.check(obj)
    for obj in kit_objects:
        if crds.defines(obj):
            invalid += crds.check(obj)
    return invalid
