"""Every object of every agent mode and stack is valid Kubernetes, at both ends of the range."""

from __future__ import annotations

import kubernetes_validate
import pytest

from components.platforms.eks.fargate_sidecar import add_fargate_sidecar
from components.versions import K8S_NEWEST, K8S_OLDEST
from tests.agent.stacks import STACK_IDS, STACKS, manifests_by_mode

VERSIONS = [f"{K8S_OLDEST}.0", f"{K8S_NEWEST}.0"]


def _objects():
    for (cloud, fargate), stack_id in zip(STACKS, STACK_IDS, strict=True):
        for mode, objects in manifests_by_mode(cloud, fargate).items():
            for obj in objects:
                yield pytest.param(obj, id=f"{stack_id}-{mode}-{obj['kind']}")


def sidecar_deployment() -> dict:
    """A Fargate Deployment as the SampleApp component would build it."""
    app = {
        "name": "back",
        "image": "python:3.13-slim",
        "command": ["python", "-m", "app.back"],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "100m", "memory": "128Mi"},
        },
    }
    labels = {"app": "back"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "back", "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": add_fargate_sidecar({"containers": [app]}, app_container="back"),
            },
        },
    }


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("obj", [*_objects(), pytest.param(sidecar_deployment(), id="fargate-pod")])
def test_object_passes_strict_schema_validation(obj, version):
    kubernetes_validate.validate(obj, version, strict=True)


def test_strict_validation_catches_a_misspelt_field():
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"internalTraficPolicy": "Local"},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(service, VERSIONS[0], strict=True)
