"""The front end on the whole Internet (0.0.0.0/0, ::/0) only when the stack acknowledges it."""

from __future__ import annotations

import pytest

from components.settings import ConfigError, load_declarations, parse_config
from kit.plan import offline

AKS = {"cloud": "aks", "region": "japaneast"}


@pytest.mark.parametrize("anywhere", ["0.0.0.0/0", "::/0"])
def test_a_cidr_covering_everything_needs_the_acknowledgement(anywhere):
    raw = {**AKS, "frontendAllowedCidrs": f'["203.0.113.7/32", "{anywhere}"]'}
    with pytest.raises(ConfigError) as err:
        parse_config(raw, "aks", load_declarations())
    (problem,) = err.value.problems
    assert problem.startswith(f"frontendAllowedCidrs = ['203.0.113.7/32', '{anywhere}']: ")
    assert f"{anywhere} lets anyone on the Internet reach the front end" in problem
    assert "frontendOpenToInternet: true" in problem

    acknowledged = parse_config({**raw, "frontendOpenToInternet": "true"}, "aks")
    assert anywhere in acknowledged.app.frontend_allowed_cidrs


def test_narrow_cidrs_need_no_acknowledgement():
    config = parse_config({**AKS, "frontendAllowedCidrs": '["198.51.100.0/24"]'}, "aks")
    assert config.app.frontend_allowed_cidrs == ("198.51.100.0/24",)


def test_the_real_program_refuses_an_open_front_end_before_registering_anything():
    monitor = offline.RecordingMonitor(offline.RecordingMocks())
    with pytest.raises(ConfigError, match="0.0.0.0/0 lets anyone on the Internet"):
        offline.evaluate("aks", {"frontendAllowedCidrs": ["0.0.0.0/0"]}, monitor=monitor)
    assert monitor.registered == []
