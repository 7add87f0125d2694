"""kit/plan/diff.py tells a moved or changed resource from an unchanged one."""

import pytest

from kit.plan.diff import differences, main

PARENT = "urn:pulumi:local::o11y-kit::o11y-kit:app:SampleApp::app"
COMPONENT = {"type": "o11y-kit:app:SampleApp", "name": "app", "parent": "", "inputs": {}}


def deployment(replicas: int, parent: str = PARENT) -> dict:
    return {
        "type": "kubernetes:apps/v1:Deployment",
        "name": "front",
        "parent": parent,
        "inputs": {"spec": {"replicas": replicas}},
    }


def test_the_same_resources_differ_in_nothing():
    assert differences("local", [COMPONENT, deployment(1)], [deployment(1)]) == []


def test_changed_inputs_are_named():
    assert differences("local", [deployment(1)], [deployment(2)]) == [
        "local: inputs differ: kubernetes:apps/v1:Deployment front"
    ]


def test_a_new_parent_is_a_move_that_needs_an_alias():
    (line,) = differences("local", [deployment(1)], [deployment(1, PARENT + "2")])
    assert line.startswith("local: moved (alias the old URN): kubernetes:apps/v1:Deployment")


def test_added_and_removed_resources_are_named():
    assert differences("local", [deployment(1)], []) == [
        "local: only in REF: kubernetes:apps/v1:Deployment front"
    ]


@pytest.mark.live  # runs git
def test_an_unknown_revision_is_one_line():
    with pytest.raises(SystemExit) as stopped:
        main(["no-such-revision-o11y"])
    assert str(stopped.value).startswith("plan diff: cannot read revision 'no-such-revision-o11y'")
