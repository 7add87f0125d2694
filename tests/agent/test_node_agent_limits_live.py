"""The node agent within its own limits, live: the real collector (`make otelcol`) on the local
stack's node-agent config (k8s_attributes watching a loopback API server), in a cgroup with the
DaemonSet's memory limit and CPU quota, under the trial's load plus headroom (the benchmark's
step at 1,000 log lines/s, 10 s): nothing is lost, every line gets its pod's metadata, nothing
is killed, and the heap stays below where the memory_limiter starts refusing data.
`make bench-agent` prints the same figures at three rates. Needs root and cgroups (as CI runs);
elsewhere it skips in one line.
"""

from __future__ import annotations

import pytest
from kubernetes.utils import parse_quantity

from agent.node_agent import node_resources
from agent.preset_catalog import base
from agent.quantities import MIB
from components.platforms.local.agent_patch import cloud_patch
from tests.agent.bench_cgroup import ROOT, Cgroup
from tests.agent.bench_node_agent import run
from tests.agent.otelcol import collector
from tests.helpers import require_tool

pytestmark = [pytest.mark.live, pytest.mark.slow]


def soft_limit_mib(memory_limit: str) -> float:
    """Where the configured memory_limiter starts refusing data: limit minus spike, both
    percentages of the container's memory limit (memorylimiter's percentage mode)."""
    limiter = base(node_resources(cloud_patch().node)).processors["memory_limiter"]
    share = limiter["limit_percentage"] - limiter["spike_limit_percentage"]
    return float(parse_quantity(memory_limit) * share / 100 / MIB)


def test_the_node_agent_keeps_up_within_its_daemonset_limits():
    binary = collector()
    why_not = Cgroup.unavailable()
    require_tool(
        None if why_not else ROOT,
        f"a cgroup with the DaemonSet's limits ({why_not})",
        "run the tests as root on a machine with cgroup memory and cpu controllers",
    )
    resources = node_resources(cloud_patch().node)
    figures = run(1_000, binary, resources, confine=True, seconds=10)

    assert figures["oom_kills"] == 0, figures
    assert figures["lines"] == 1.0 and figures["spans"] == 1.0, figures
    assert figures["enriched"] == 1.0, figures  # k8s_attributes named every line's Deployment
    assert figures["points"] > 0, figures  # kubelet, host and app metrics reached the sink
    assert figures["anon"] < soft_limit_mib(resources.memory), figures
