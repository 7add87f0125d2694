"""Collector config assembly: presets + pipelines -> a checked dict -> YAML + checksum."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence

import yaml

from agent.preset import Json, Preset
from agent.preset_catalog import METRICS_PORT, POD_IP
from agent.validate import FIRST_PROCESSOR, check_config


def self_telemetry(host: str) -> Json:
    """The collector's own metrics (accepted/refused/dropped items, queue size, export
    failures) on host:8888 for Prometheus, the same reader the Helm chart configures."""
    reader = {"pull": {"exporter": {"prometheus": {"host": host, "port": METRICS_PORT}}}}
    return {"metrics": {"level": "normal", "readers": [reader]}}


def pipeline(
    receivers: Sequence[str], exporters: Sequence[str], processors: Sequence[str] = ()
) -> Json:
    """A pipeline with memory_limiter before `processors`; no batch processor: the exporters
    batch in their sending queue, after persisting (agent/exporters.py)."""
    return {
        "receivers": list(receivers),
        "processors": [FIRST_PROCESSOR, *processors],
        "exporters": list(exporters),
    }


def build_config(preset: Preset, pipelines: dict[str, Json], listen: str = POD_IP) -> Json:
    """The collector config for one agent mode, checked against the pinned contrib release; a
    copy, so changing it cannot change the presets' shared blocks or another mode's config.
    `listen`: where the self-metrics bind, as presets.base's health check."""
    config: Json = copy.deepcopy(
        {
            "extensions": preset.extensions,
            "receivers": preset.receivers,
            "processors": preset.processors,
            "exporters": preset.exporters,
            "service": {
                "extensions": list(preset.extensions),
                "pipelines": pipelines,
                "telemetry": self_telemetry(listen),
            },
        }
    )
    check_config(config)
    return config


class _PlainDumper(yaml.SafeDumper):
    """No &anchors/*aliases: every block reads on its own when someone opens the ConfigMap."""

    def ignore_aliases(self, data) -> bool:
        return True


def render_config(config: Json) -> str:
    """Deterministic YAML (insertion order kept) so golden files and checksums are stable."""
    return yaml.dump(
        config, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, width=100
    )


def config_checksum(rendered: str) -> str:
    """sha256 of the rendered config; on the pod template it makes a config change roll pods."""
    return hashlib.sha256(rendered.encode()).hexdigest()
