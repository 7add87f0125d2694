"""Where an `up`'s time goes: each resource's measured duration (engine event log) laid on the
program's dependency graph (the offline evaluation), and the longest chain through it: the
critical path, the least time any engine could take with those durations."""

from __future__ import annotations

from functools import cache

from kit.plan import offline


def critical_path(
    evaluation: offline.Evaluation, durations: dict[str, float]
) -> tuple[float, list[str]]:
    """(seconds, URNs) of the dependency chain with the largest summed duration."""
    deps = {r.urn: [d for d in r.dependencies if d != r.urn] for r in evaluation.resources}
    children: dict[str, list[str]] = {}
    for r in evaluation.resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)

    def waits_for(urn: str) -> list[str]:
        # depending on a component means waiting for everything under it
        out = []
        for d in deps.get(urn, []):
            out += [d, *_descendants(d, children)]
        return out

    @cache
    def finish(urn: str) -> tuple[float, tuple[str, ...]]:
        best: tuple[float, tuple[str, ...]] = (0.0, ())
        for d in waits_for(urn):
            if d in deps:
                best = max(best, finish(d))
        return best[0] + durations.get(urn, 0.0), (*best[1], urn)

    seconds, chain = max((finish(u) for u in deps), default=(0.0, ()))
    return seconds, [u for u in chain if durations.get(u, 0.0) > 0]


def _descendants(urn: str, children: dict[str, list[str]]) -> list[str]:
    out = []
    for c in children.get(urn, []):
        out += [c, *_descendants(c, children)]
    return out
