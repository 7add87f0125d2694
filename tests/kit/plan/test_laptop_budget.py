"""The local stack fits a laptop: on the kind cluster `make up STACK=local` creates, its pods (the
charts' through the real `helm template` of the pinned packages) request at most 1.5 vCPU and
2 GiB, each container requests CPU and memory and is bounded in memory above its measured peak,
and docs/sizing.md shows exactly this plan's figures."""

from __future__ import annotations

import pytest

from kit.plan import manifests, sizing
from kit.plan.pod_resources import KIND_NODES, MIB, pod_resources
from tests.helpers import ROOT, chart_objects, require_plan_tools

pytestmark = pytest.mark.live


@pytest.fixture
def local(evaluated):
    require_plan_tools()
    ev = evaluated("local")
    kit = [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]
    return pod_resources(kit + chart_objects(ev), KIND_NODES)


def test_the_local_stack_requests_at_most_the_laptop_budget(local):
    assert local.nodes == 3
    assert {w.name for w in local.workloads} >= {"otel-node-agent", "kps-prometheus", "loki"}
    assert local.requests.cpu <= sizing.BUDGET.cpu, local.render()
    assert local.requests.memory <= sizing.BUDGET.memory, local.render()


def test_every_container_requests_cpu_and_memory_and_has_a_memory_limit(local):
    missing = [
        f"{w.name}/{entry}"
        for w in local.workloads
        for entry in w.requests.unset + w.limits.unset
        if not entry.endswith("limit cpu")  # no CPU limit: the kit's backends are not throttled
    ]
    assert not missing, missing


def test_each_measured_peak_fits_under_its_containers_memory_limit(local):
    known = sizing.sources()
    too_small, unexplained = [], []
    for w in local.workloads:
        for c in w.containers:
            entry = sizing.source_of(w.name, c.name, known)
            if not entry.get("source"):
                unexplained.append(f"{w.name}/{c.name}")
            elif entry.get("peak_mib") and c.limits.memory / MIB <= entry["peak_mib"]:
                too_small.append(f"{w.name}/{c.name}: {entry['peak_mib']} MiB peak")
    assert not unexplained, f"no entry in {sizing.SOURCES.name}: {unexplained}"
    assert not too_small, too_small


def test_the_sizing_page_shows_this_plans_figures(local):
    page = (ROOT / "docs" / "sizing.md").read_text()
    table = page.split(sizing.START, 1)[1].split(sizing.END, 1)[0].strip()
    assert table == sizing.markdown(local, sizing.sources()), (
        "docs/sizing.md is stale: run `python -m kit.plan.sizing --update docs/sizing.md`"
    )
