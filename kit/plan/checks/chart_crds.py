"""Custom resources checked against the CustomResourceDefinitions the charts themselves install
(kube-prometheus-stack's `crds/`, rendered with `helm template --include-crds`): the exact
schemas of the operator version the cluster runs, not a model of them.

Strict like `kubectl apply --validate=strict`: the API server prunes, and strict field
validation rejects, a field a structural schema does not declare, so every object schema that
lists `properties` (and neither `additionalProperties` nor x-kubernetes-preserve-unknown-fields)
is closed here (apiextensions "Specifying a structural schema" and "Field pruning"). `nullable`,
`format` and the other x-kubernetes-* markers do not change what a valid manifest is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jsonschema

from kit.plan.manifests import Invalid, object_name

SOURCE = "the chart's CRD"
PRESERVE = "x-kubernetes-preserve-unknown-fields"


class ChartCrds:
    """The openAPIV3Schema of every served version of every CRD in a rendered plan."""

    def __init__(self, crds: Iterable[dict[str, Any]]):
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
        for crd in crds:
            spec = crd["spec"]
            for version in spec.get("versions", []):
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if schema and version.get("served", True):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    self._validators[key] = jsonschema.Draft4Validator(_closed(schema))

    def defines(self, obj: dict[str, Any]) -> bool:
        return (obj.get("apiVersion"), obj.get("kind")) in self._validators

    def check(self, obj: dict[str, Any]) -> list[Invalid]:
        validator = self._validators[(obj["apiVersion"], obj["kind"])]
        return [
            Invalid(object_name(obj), SOURCE, f"{'/'.join(map(str, e.path)) or '/'}: {e.message}")
            for e in validator.iter_errors(obj)
        ]


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with undeclared fields rejected wherever the API server would reject them."""
    closed = dict(schema)
    if "properties" in schema:
        closed["properties"] = {k: _closed(v) for k, v in schema["properties"].items()}
        if "additionalProperties" not in schema and not schema.get(PRESERVE):
            closed["additionalProperties"] = False
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            closed[key] = _closed(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            closed[key] = [_closed(item) for item in schema[key]]
    return closed
