"""Fixtures that run the sample app's three tiers as real processes against an OTLP receiver."""

from __future__ import annotations

import secrets

import pytest

from tests.sample_app.app_processes import base_env, start_tier
from tests.sample_app.otlp_receiver import OtlpReceiver


@pytest.fixture(scope="module")
def receiver():
    with OtlpReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def three_tiers(receiver, tmp_path_factory):
    """back <- middle <- front on loopback, exporting to `receiver`; stopped after the module."""
    log_dir = tmp_path_factory.mktemp("tiers")
    env = base_env(receiver.endpoint)
    started = {}
    try:
        started["back"] = start_tier("back", "", env, log_dir)
        started["middle"] = start_tier("middle", started["back"].url, env, log_dir)
        started["front"] = start_tier("front", started["middle"].url, env, log_dir)
        yield started
    finally:
        for tier in started.values():
            tier.stop()


@pytest.fixture
def traceparent():
    """A fresh W3C traceparent, so each test finds its own trace among the shared receiver's."""
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, parent_id, {"traceparent": f"00-{trace_id}-{parent_id}-01"}
