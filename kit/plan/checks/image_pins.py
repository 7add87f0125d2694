"""Every image a plan would make a node pull, checked against the pinned table
(components/images.py): the containers of every pod template, the images the prometheus-operator
gets in its Prometheus and Alertmanager objects and in its command-line flags.

An image outside the table, or one without a digest, is a finding: a tag can be moved after the
plan checked it, and the table is the one place the kit pins images."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from components import images
from kit.plan.checks.object_index import Index, Json
from kit.plan.manifests import object_name as describe

# prometheus-operator flags that name an image (prometheus-operator cmd/operator/main.go).
OPERATOR_IMAGE_FLAGS = ("--prometheus-config-reloader=", "--thanos-default-base-image=")
OPERATOR_KINDS = ("Prometheus", "Alertmanager", "ThanosRuler")


@dataclass(frozen=True)
class Unpinned:
    """One image reference that is not one of the kit's pinned images."""

    where: str
    image: str

    def __str__(self) -> str:
        return f"{self.where}: {self.image} is not an image pinned in components/images.py"


def normalized(reference: str) -> str:
    """A reference as the container runtime resolves it: Docker Hub names get `docker.io/`
    and official images `library/` (distribution/reference, ParseNormalizedNamed)."""
    first, _, rest = reference.partition("/")
    if not rest:
        return f"docker.io/library/{reference}"
    if "." in first or ":" in first or first == "localhost":
        return reference
    return f"docker.io/{reference}"


PINNED = frozenset(image.ref for image in images.PINNED)


def references(objects: list[Json]) -> Iterator[tuple[str, str]]:
    """(where, image) for every image the objects make a node pull."""
    for pod in Index(objects).pod_templates():
        for container in pod.containers():
            yield f"{pod.name} container {container.get('name')}", container.get("image", "")
            for arg in container.get("args", []) or []:
                for flag in OPERATOR_IMAGE_FLAGS:
                    if isinstance(arg, str) and arg.startswith(flag):
                        yield f"{pod.name} flag {flag.rstrip('=')}", arg.removeprefix(flag)
    for obj in objects:
        if obj.get("kind") in OPERATOR_KINDS and "image" in (obj.get("spec") or {}):
            yield describe(obj), obj["spec"]["image"]


def check(objects: list[Json]) -> tuple[list[Unpinned], int]:
    """The references outside the pinned table, and how many references were checked."""
    found = list(references(objects))
    return [Unpinned(w, i) for w, i in found if normalized(i) not in PINNED], len(found)
