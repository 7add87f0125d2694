"""A preset: collector components together with everything the pod needs to run them.

In the spirit of the opentelemetry-collector Helm chart's presets, each preset carries its
receivers/processors/exporters AND the RBAC rules, env vars, volumes, mounts and ports they need.
Manifests are derived from the combined preset, so config and pod spec cannot drift apart: a
component that is not configured contributes no permission, no hostPath and no port.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Preset:
    """One feature of the agent (see module docstring). Empty by default, combined with `+`."""

    receivers: Json = field(default_factory=dict)
    processors: Json = field(default_factory=dict)
    exporters: Json = field(default_factory=dict)
    extensions: Json = field(default_factory=dict)
    cluster_rules: tuple[Json, ...] = ()
    namespace_rules: tuple[Json, ...] = ()
    env: tuple[Json, ...] = ()
    volumes: tuple[Json, ...] = ()
    volume_mounts: tuple[Json, ...] = ()
    ports: tuple[Json, ...] = ()
    runs_as_root: bool = False
    capabilities: tuple[str, ...] = ()
    # Collector feature gates the components rely on ("+id" on, "-id" off), set in the args.
    feature_gates: tuple[str, ...] = ()

    def __add__(self, other: Preset) -> Preset:
        return Preset(
            receivers=_merge_components("receiver", self.receivers, other.receivers),
            processors=_merge_components("processor", self.processors, other.processors),
            exporters=_merge_components("exporter", self.exporters, other.exporters),
            extensions=_merge_components("extension", self.extensions, other.extensions),
            cluster_rules=_unique(self.cluster_rules + other.cluster_rules),
            namespace_rules=_unique(self.namespace_rules + other.namespace_rules),
            env=_merge_named("env var", self.env, other.env),
            volumes=_merge_named("volume", self.volumes, other.volumes),
            volume_mounts=_merge_named("volumeMount", self.volume_mounts, other.volume_mounts),
            ports=_merge_named("port", self.ports, other.ports),
            runs_as_root=self.runs_as_root or other.runs_as_root,
            capabilities=tuple(sorted(set(self.capabilities) | set(other.capabilities))),
            feature_gates=tuple(sorted(set(self.feature_gates) | set(other.feature_gates))),
        )


def combine(presets: Iterable[Preset]) -> Preset:
    """All presets of one agent mode merged; conflicting definitions raise ValueError."""
    total = Preset()
    for preset in presets:
        total = total + preset
    return total


def _merge_components(kind: str, left: Json, right: Json) -> Json:
    for key in left.keys() & right.keys():
        if left[key] != right[key]:
            raise ValueError(f"two presets define {kind} {key!r} differently")
    return {**left, **right}


def _merge_named(kind: str, left: tuple[Json, ...], right: tuple[Json, ...]) -> tuple[Json, ...]:
    merged = {item["name"]: item for item in left}
    for item in right:
        if merged.get(item["name"], item) != item:
            raise ValueError(f"two presets define {kind} {item['name']!r} differently")
        merged[item["name"]] = item
    return tuple(merged.values())


def _unique(rules: tuple[Json, ...]) -> tuple[Json, ...]:
    out: list[Json] = []
    for rule in rules:
        if rule not in out:
            out.append(rule)
    return tuple(out)


def rule(
    group: str, resources: list[str], verbs: list[str], names: list[str] | None = None
) -> Json:
    """One RBAC PolicyRule; names (resourceNames) narrows it to specific objects."""
    body: Json = {"apiGroups": [group], "resources": resources, "verbs": verbs}
    if names:
        body["resourceNames"] = names
    return body


def field_env(name: str, field_path: str) -> Json:
    """An env var filled by the downward API."""
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}


def value_env(name: str, value: str) -> Json:
    return {"name": name, "value": value}


def port(name: str, number: int, protocol: str = "TCP") -> Json:
    return {"name": name, "containerPort": number, "protocol": protocol}
