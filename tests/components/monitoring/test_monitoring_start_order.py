"""kube-prometheus-stack starts without waiting for Loki and Tempo: Grafana's datasources are
URLs queried on demand, so the three releases install side by side."""

from __future__ import annotations

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_kube_prometheus_stack_does_not_wait_for_loki_and_tempo(evaluated):
    ev = evaluated("local")
    releases = {r.inputs["name"]: r for r in ev.of_type(RELEASE)}
    backends = {releases["loki"].urn, releases["tempo"].urn}
    assert backends.isdisjoint(releases["kps"].dependencies)
