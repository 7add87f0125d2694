"""Offline checks of a rendered collector config, run before any manifest is returned.

The collector itself would refuse most of these at start-up, but only inside a pod, after a
rollout; checking here makes `plan` and the unit tests fail instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.contrib_components import MANIFEST_TAG, component_types

PIPELINE_ROLES = {"receivers": "receivers", "processors": "processors", "exporters": "exporters"}
FIRST_PROCESSOR = "memory_limiter"
# Holds records in memory after the receiver is told they are delivered (file_log moves its
# checkpoint): a crash loses them. Exporters batch in their sending queue (agent/exporters.py).
FORBIDDEN_PROCESSOR = "batch"


class CollectorConfigError(ValueError):
    """A config the pinned collector would reject or run unsafely; lists every problem."""


def component_type(component_id: str) -> str:
    """`type[/name]` -> type, the part the collector looks up among its factories."""
    return component_id.split("/", 1)[0]


def problems(config: Mapping[str, Any]) -> list[str]:
    """Every problem found in `config`; empty when it is fine."""
    found: list[str] = []
    defined = {
        section: set(config.get(section) or {})
        for section in (*PIPELINE_ROLES, "extensions", "connectors")
    }
    for section, ids in defined.items():
        known = component_types(section)
        found += [
            f"{section[:-1]} {cid!r}: type {component_type(cid)!r} is not in otelcol-contrib "
            f"{MANIFEST_TAG}"
            for cid in sorted(ids)
            if component_type(cid) not in known
        ]
    service = config.get("service") or {}
    pipelines = service.get("pipelines") or {}
    if not pipelines:
        found.append("service.pipelines is empty")
    used: dict[str, set[str]] = {section: set() for section in defined}
    for name, pipeline in pipelines.items():
        found += _pipeline_problems(name, pipeline, defined, used)
    used["extensions"] = set(service.get("extensions") or [])
    found += [
        f"service.extensions references undefined extension {eid!r}"
        for eid in sorted(used["extensions"] - defined["extensions"])
    ]
    for section in (*PIPELINE_ROLES, "extensions", "connectors"):
        found += [
            f"{section[:-1]} {cid!r} is defined but used by no pipeline"
            for cid in sorted(defined[section] - used[section])
        ]
    return found


def _pipeline_problems(name, pipeline, defined, used) -> list[str]:
    found = []
    for role in PIPELINE_ROLES:
        ids = pipeline.get(role) or []
        if not ids and role != "processors":
            found.append(f"pipeline {name!r} has no {role}")
        for cid in ids:
            in_connectors = role != "processors" and cid in defined["connectors"]
            if cid in defined[role]:
                used[role].add(cid)
            elif in_connectors:
                used["connectors"].add(cid)
            else:
                found.append(f"pipeline {name!r} references undefined {role[:-1]} {cid!r}")
    processors = [component_type(p) for p in pipeline.get("processors") or []]
    if not processors or processors[0] != FIRST_PROCESSOR:
        found.append(f"pipeline {name!r} must start with {FIRST_PROCESSOR} (got {processors})")
    if FORBIDDEN_PROCESSOR in processors:
        found.append(
            f"pipeline {name!r} has a {FORBIDDEN_PROCESSOR} processor: batch in the exporters' "
            f"sending_queue instead (got {processors})"
        )
    return found


def check_config(config: Mapping[str, Any]) -> None:
    """Raise CollectorConfigError naming every problem, or return quietly."""
    found = problems(config)
    if found:
        raise CollectorConfigError("invalid collector config:\n  - " + "\n  - ".join(found))
