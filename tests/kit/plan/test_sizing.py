"""The sizing page's rows: each container finds its source by pattern, and the totals line says
how far the requests are from the laptop budget."""

from __future__ import annotations

from kit.plan import sizing
from kit.plan.pod_resources import pod_resources

KNOWN = {
    "sample-*/app": {"need": "the app", "source": "measured", "peak_mib": 32},
    "sample-*/*": {"need": "other", "source": "read"},
}


def test_a_container_takes_the_first_pattern_that_matches():
    assert sizing.source_of("sample-front", "app", KNOWN)["need"] == "the app"
    assert sizing.source_of("sample-front", "install-deps", KNOWN)["need"] == "other"
    assert sizing.source_of("loki", "loki", KNOWN) == {}


def test_the_page_gives_each_containers_peak_headroom_and_the_budgets():
    app = {"name": "app", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                        "limits": {"cpu": "100m", "memory": "64Mi"}}}  # fmt: skip
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "sample-front", "namespace": "app"},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [app]}}},
    }
    text = sizing.markdown(pod_resources([deployment], 3), KNOWN)
    assert "| app/sample-front (2) | app | 100m / 64 MiB | 100m / 64 MiB | 32 MiB, ×2.0 |" in text
    assert "request 200m of 1,500m and 128 MiB of 2,048 MiB: 1,300m and 1,920 MiB" in text
