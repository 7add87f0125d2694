"""Every kit component calls `register_outputs` with its public outputs, as the engine sees it
(the recording monitor keeps each RegisterResourceOutputs call; kit/plan/offline.py).

A component that never calls it stays "creating" in `pulumi up` and its outputs never reach the
state; one that leaves out a public Output hides it from `pulumi stack export` and from
StackReferences built on the component.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pulumi
import pytest

import components
from kit.plan import offline
from tests.helpers import STACK_NAMES


def kit_component_classes() -> set[type]:
    """Every concrete ComponentResource class defined in components/."""
    for module in pkgutil.walk_packages(components.__path__, "components."):
        importlib.import_module(module.name)
    found, todo = set(), list(pulumi.ComponentResource.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("components.") and not cls.__subclasses__():
            found.add(cls)
    return found


ENGINE_ATTRIBUTES = {"urn"}  # set by pulumi.Resource itself, not part of what a component offers


def public_outputs(component: pulumi.ComponentResource) -> set[str]:
    """Public attributes holding an Output, or a dict or list of Outputs."""

    def is_output(value: Any) -> bool:
        if isinstance(value, dict):
            return bool(value) and all(isinstance(v, pulumi.Output) for v in value.values())
        if isinstance(value, list):
            return bool(value) and all(isinstance(v, pulumi.Output) for v in value)
        return isinstance(value, pulumi.Output)

    return {
        k
        for k, v in vars(component).items()
        if not k.startswith("_") and k not in ENGINE_ATTRIBUTES and is_output(v)
    }


def output_gaps(evaluation: offline.Evaluation, instances: list) -> list[str]:
    """Components that never registered outputs, or left a public Output out."""
    by_urn = {r.urn: r for r in evaluation.resources}
    gaps = []
    for component in instances:
        urn = offline.resolve(component.urn)
        registered = by_urn[urn].registered_outputs
        name = f"{type(component).__name__} {by_urn[urn].name}"
        if not registered:
            gaps.append(f"{name}: register_outputs never called (or called with nothing)")
            continue
        missing = public_outputs(component) - set(registered)
        if missing:
            gaps.append(f"{name}: public outputs not registered: {sorted(missing)}")
    return gaps


def evaluate_capturing(stack: str, program=None) -> tuple[offline.Evaluation, list]:
    """Evaluate with every ComponentResource instance kept, to compare with what it registered."""
    instances: list = []
    original = pulumi.ComponentResource.__init__

    def capture(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not type(self).__module__.startswith("pulumi."):  # the engine's own Stack
            instances.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulumi.ComponentResource, "__init__", capture)
        evaluation = offline.evaluate(stack, program=program)
    return evaluation, instances


@pytest.fixture(scope="module")
def runs():
    return {stack: evaluate_capturing(stack) for stack in STACK_NAMES}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_component_registers_its_public_outputs(runs, stack):
    evaluation, instances = runs[stack]
    assert instances
    assert output_gaps(evaluation, instances) == []


def test_every_kit_component_class_is_checked_in_some_stack(runs):
    seen = {type(i) for _, instances in runs.values() for i in instances}
    assert kit_component_classes() - seen == set()


class Forgetful(pulumi.ComponentResource):
    """Broken on purpose: one component never registers, one leaves an Output out."""

    def __init__(self, name: str, register: bool):
        super().__init__("test:broken:Forgetful", name)
        self.url = pulumi.Output.from_input("http://example")
        self.names = {"a": pulumi.Output.from_input("a")}
        if register:
            self.register_outputs({"url": self.url})


def test_a_component_that_forgets_is_reported():
    evaluation, instances = evaluate_capturing(
        "local", program=lambda: [Forgetful("silent", False), Forgetful("partial", True)]
    )
    assert output_gaps(evaluation, instances) == [
        "Forgetful silent: register_outputs never called (or called with nothing)",
        "Forgetful partial: public outputs not registered: ['names']",
    ]
