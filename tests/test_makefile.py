"""`make up` / `make destroy` as a user runs them, with a stand-in `pulumi` on PATH that records
how it was called (the real CLI is not installed here)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from helpers import ROOT

FAKE_PULUMI = """#!/bin/sh
echo "$PULUMI_BACKEND_URL $*" >> "$PULUMI_CALLS"
"""


def make(target: str, tmp_path, with_pulumi: bool) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if with_pulumi:
        fake = bin_dir / "pulumi"
        fake.write_text(FAKE_PULUMI)
        fake.chmod(0o755)
    path = [str(bin_dir), *(p for p in os.environ["PATH"].split(":") if not _has_pulumi(p))]
    env = {**os.environ, "PATH": ":".join(path), "PULUMI_CALLS": str(tmp_path / "calls")}
    env.pop("PULUMI_BACKEND_URL", None)
    return subprocess.run(
        ["make", "-o", "venv/.installed", target, "STACK=aks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _has_pulumi(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "pulumi"))


@pytest.mark.parametrize("target", ["up", "destroy"])
def test_up_and_destroy_select_or_create_the_stack_on_the_local_backend(target, tmp_path):
    assert shutil.which("make"), "make is needed (apt-get install -y make)"
    done = make(target, tmp_path, with_pulumi=True)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    backend = f"file://{ROOT}/.pulumi-state"
    assert calls == [f"{backend} stack select aks --create", f"{backend} {target} --stack aks"]


def test_up_without_the_pulumi_cli_says_how_to_install_it_and_points_to_plan(tmp_path):
    done = make("up", tmp_path, with_pulumi=False)
    assert done.returncode != 0
    assert "The Pulumi CLI is not installed" in done.stdout
    assert "curl -fsSL https://get.pulumi.com | sh" in done.stdout
    assert "make plan STACK=aks" in done.stdout
