"""A usage file overrides the measured defaults, key by key."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from kit.plan.cost import usage


def test_a_usage_file_overrides_only_the_keys_it_sets(tmp_path):
    path = tmp_path / "usage.yaml"
    path.write_text("logBytesPerRequest: 2000\nspanBytesPerRequest: 500\n")
    assert usage.load(path) == replace(
        usage.DEFAULTS, log_bytes_per_request=Decimal(2000), span_bytes_per_request=Decimal(500)
    )
    assert usage.load(None) == usage.DEFAULTS


def test_every_problem_of_a_usage_file_gets_its_line(tmp_path):
    path = tmp_path / "usage.yaml"
    path.write_text("logBytesPerRequest: true\nspanBytes: 1\n")
    with pytest.raises(usage.UsageFileError) as refused:
        usage.load(path)
    lines = str(refused.value).splitlines()
    assert len(lines) == 2
    assert "logBytesPerRequest = True: expected a number >= 0" in lines[0]
    assert "spanBytes = 1: unknown key" in lines[1]
