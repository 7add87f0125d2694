"""What the plan's reference checks report: each dangling reference, and how many were checked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dangling:
    """One reference that points at nothing: who refers, how, and the name it uses."""

    object: str
    relation: str
    name: str

    def __str__(self) -> str:
        return f"{self.object}: {self.relation} names {self.name}"


@dataclass
class Report:
    """What the reference checks looked at and what they found."""

    objects: int
    made: int = 0  # pods taken as created at run time (kit/plan/checks/runtime_pods.py)
    checked: Counter = field(default_factory=Counter)  # relation -> references checked
    dangling: list[Dangling] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks that could not run, and why

    @property
    def ok(self) -> bool:
        return not self.dangling

    def add(self, relation: str, found: Iterable[Dangling | None]) -> None:
        """Count each reference checked; None means it resolved."""
        for item in found:
            if item is not None and item not in self.dangling:
                self.dangling.append(item)
            self.checked[relation] += 1

    def summary(self) -> list[str]:
        counts = ", ".join(f"{n} {relation}" for relation, n in sorted(self.checked.items()))
        verdict = "all resolve" if self.ok else f"{len(self.dangling)} dangling"
        made = f" and {self.made} pod(s) made at run time" if self.made else ""
        lines = [f"reference checks over {self.objects} objects{made} ({counts}): {verdict}"]
        lines += [f"  DANGLING {d}" for d in self.dangling]
        lines += [f"  note: {note}" for note in self.notes]
        return lines
