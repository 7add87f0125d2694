"""What a platform adds to the agent, as data: the agent builds every stack the same way and
applies the patch, so it never needs to know which cloud it runs on.

A platform's exporters come with the pipelines that use them (`Addition`), so no exporter is
added in one place and named again in another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.backends import Resources
from agent.preset import Json, Preset


@dataclass(frozen=True)
class Addition:
    """A preset and where its exporters go: appended to the mode's pipelines named in `joins`,
    and/or into pipelines of its own (`pipelines`, name -> collector_config.pipeline(...))."""

    preset: Preset
    joins: tuple[str, ...] = ()
    pipelines: Json = field(default_factory=dict)


@dataclass(frozen=True)
class ModePatch:
    """One collector mode's share of the patch (the node agent's or the cluster agent's)."""

    additions: tuple[Addition, ...] = ()
    resources: Resources | None = None  # None: the mode's default size
    # Annotations of the mode's ServiceAccount, e.g. the cloud role it writes with; values may
    # be Pulumi Outputs, which the agent only passes through.
    service_account_annotations: Mapping[str, Any] = field(default_factory=dict)
    pod_spec: Json = field(default_factory=dict)  # merged over the mode's pod spec

    def presets(self) -> list[Preset]:
        return [addition.preset for addition in self.additions]

    def pipelines(self, exporters_of: Mapping[str, list[str]]) -> Json:
        """The exporters of each named pipeline, with this patch's exporters appended."""
        joined = {name: list(exporters) for name, exporters in exporters_of.items()}
        for addition in self.additions:
            for name in addition.joins:
                joined[name] += list(addition.preset.exporters)
        return joined

    def own_pipelines(self) -> Json:
        return {name: p for addition in self.additions for name, p in addition.pipelines.items()}


@dataclass(frozen=True)
class CloudPatch:
    """Everything a platform changes in the agent; the empty patch changes nothing."""

    node: ModePatch = field(default_factory=ModePatch)
    cluster: ModePatch = field(default_factory=ModePatch)
    # Objects of the platform's own collectors (e.g. eks Fargate's), in the kit's namespaces.
    manifests: tuple[Json, ...] = ()
    # Secret name -> data the collectors read from env (e.g. the App Insights connection
    # string); created only in the namespaces whose collectors read it.
    secrets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
