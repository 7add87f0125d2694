"""The Pulumi engine's event log (`--event-log`, one JSON event per line): what it warned about
and how long each resource took."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EventLog:
    diagnostics: list[dict] = field(default_factory=list)
    started: dict[str, float] = field(default_factory=dict)  # urn -> first step event
    finished: dict[str, float] = field(default_factory=dict)  # urn -> outputs or failure
    ops: dict[str, str] = field(default_factory=dict)  # urn -> op of its step
    changed_inputs: dict[str, set[str]] = field(default_factory=dict)  # urn -> keys that differ
    first: float = 0.0
    last: float = 0.0
    summary: dict = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> EventLog:
        log = cls()
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            event = json.loads(line)
            ts = float(event.get("timestamp", 0))
            log.first = log.first or ts
            log.last = max(log.last, ts)
            if "diagnosticEvent" in event:
                log.diagnostics.append(event["diagnosticEvent"])
            for key in ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"):
                meta = event.get(key, {}).get("metadata")
                if not meta:
                    continue
                urn = meta["urn"]
                if key == "resourcePreEvent":
                    log.started.setdefault(urn, ts)
                    log.ops[urn] = meta["op"]
                    old = (meta.get("old") or {}).get("inputs") or {}
                    new = (meta.get("new") or {}).get("inputs") or {}
                    log.changed_inputs[urn] = {
                        k for k in old.keys() | new.keys() if old.get(k) != new.get(k)
                    }
                else:
                    log.finished[urn] = ts
            if "summaryEvent" in event:
                log.summary = event["summaryEvent"]
        return log

    def warnings(self) -> list[str]:
        return [
            d.get("message", "").strip()
            for d in self.diagnostics
            if d.get("severity") == "warning" and not d.get("ephemeral")
        ]

    def durations(self) -> dict[str, float]:
        return {
            urn: self.finished[urn] - start
            for urn, start in self.started.items()
            if urn in self.finished
        }

    def changed(self) -> dict[str, str]:
        """urn -> op for every step that is not `same` (preview or update)."""
        return {urn: op for urn, op in self.ops.items() if op not in ("same", "read")}

    @property
    def wall(self) -> float:
        return self.last - self.first
