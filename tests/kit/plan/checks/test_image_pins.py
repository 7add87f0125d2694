"""Images pinned by digest from one table: the check's rules on small objects, then every image of
every stack's rendered plan (the kit's objects and the charts' through `helm template`)."""

from __future__ import annotations

import re

import pytest

from components import images
from kit.plan import manifests
from kit.plan.checks import image_pins
from tests.helpers import chart_objects, require_plan_tools

PINNED_PROMETHEUS = images.PROMETHEUS.ref


def deployment(*container_images: str, args: tuple[str, ...] = ()) -> dict:
    containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(container_images)]
    containers[0]["args"] = list(args)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "n"},
        "spec": {"template": {"metadata": {"labels": {}}, "spec": {"containers": containers}}},
    }


@pytest.mark.parametrize(
    ("reference", "resolved"),
    [
        ("python:3.11", "docker.io/library/python:3.11"),
        (
            "otel/opentelemetry-collector-contrib:1",
            "docker.io/otel/opentelemetry-collector-contrib:1",
        ),
        ("quay.io/prometheus/prometheus:v3", "quay.io/prometheus/prometheus:v3"),
        ("localhost/x:1", "localhost/x:1"),
        ("registry:5000/x:1", "registry:5000/x:1"),
    ],
)
def test_references_resolve_as_the_container_runtime_resolves_them(reference, resolved):
    assert image_pins.normalized(reference) == resolved


def test_a_pinned_image_passes_and_a_tag_or_an_unknown_digest_does_not():
    tag_only = PINNED_PROMETHEUS.split("@")[0]
    other_digest = PINNED_PROMETHEUS.split("@")[0] + "@sha256:" + "1" * 64
    unpinned, checked = image_pins.check([deployment(PINNED_PROMETHEUS, tag_only, other_digest)])
    assert checked == 3
    assert [u.image for u in unpinned] == [tag_only, other_digest]
    assert "Deployment n/d container c1" in str(unpinned[0])


def test_the_operators_image_flags_and_custom_resources_are_checked():
    reloader = "--prometheus-config-reloader=quay.io/prometheus-operator/x:v1"
    prometheus = {"kind": "Prometheus", "metadata": {"name": "p", "namespace": "n"},
                  "spec": {"image": "quay.io/prometheus/prometheus:v3"}}  # fmt: skip
    unpinned, checked = image_pins.check(
        [deployment(PINNED_PROMETHEUS, args=(reloader,)), prometheus]
    )
    assert checked == 3
    assert [u.image for u in unpinned] == [
        "quay.io/prometheus-operator/x:v1",
        "quay.io/prometheus/prometheus:v3",
    ]


def test_every_pin_is_a_tag_and_an_index_digest():
    for image in images.PINNED:
        assert re.fullmatch(
            r"[a-z0-9.-]+\.[a-z]+/[a-z0-9._/-]+:[\w.-]+@sha256:[0-9a-f]{64}", image.ref
        ), image


@pytest.mark.live
def test_every_image_of_every_stack_is_pinned_and_every_pin_is_used(evaluated, evaluate):
    require_plan_tools()
    stacks = [evaluated("local"), evaluated("aks"), evaluated("eks"),
              evaluate("eks", fargateTiers=["middle", "back"])]  # fmt: skip
    used = set()
    for ev in stacks:
        kit = [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]
        objects = [*kit, *chart_objects(ev)]
        unpinned, checked = image_pins.check(objects)
        assert not unpinned, f"{ev.stack}: " + "; ".join(map(str, unpinned))
        assert checked >= 15, (ev.stack, checked)
        used |= {image_pins.normalized(i) for _, i in image_pins.references(objects)}
    assert used >= image_pins.PINNED, f"pinned but deployed by no stack: {image_pins.PINNED - used}"
