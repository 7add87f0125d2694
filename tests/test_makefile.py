"""`make up` / `make destroy` as a user runs them, with a stand-in `pulumi` on PATH that records
how it was called (the real CLI is not installed here). The tools folder is the test's own and
Pulumi's releases are a closed loopback port: no test downloads the real CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest

from kit.cli import pulumi_cli
from tests.helpers import ROOT, require_tool
from tests.kit.cli import kitcli_kind_fakes as kind_fakes

FAKE_PULUMI = """#!/bin/sh
echo "$PULUMI_BACKEND_URL $*" >> "$PULUMI_CALLS"
"""


def make(
    target: str, tmp_path, with_pulumi: bool, stack: str = "aks", *args: str, **env_vars: str
) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if with_pulumi:
        fake_pulumi(bin_dir / "pulumi")
    path = [str(bin_dir), *(p for p in os.environ["PATH"].split(":") if not _has_pulumi(p))]
    env = {**os.environ, "PATH": ":".join(path), "PULUMI_CALLS": str(tmp_path / "calls")}
    env.update(KIT_TOOLS_DIR=str(tmp_path / "tools"), KIT_PULUMI_RELEASES=_closed_port())
    env.pop("PULUMI", None)
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent")
    env.update(AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(key, None)
    env.pop("PULUMI_BACKEND_URL", None)
    env.update(env_vars)
    return subprocess.run(
        ["make", "-o", "venv/.installed", "-o", "policy/venv/.installed", target, f"STACK={stack}"]
        + list(args),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def fake_pulumi(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE_PULUMI)
    path.chmod(0o755)


def _has_pulumi(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "pulumi"))


def _closed_port() -> str:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{free.getsockname()[1]}"


@pytest.mark.parametrize("target", ["up", "destroy"])
@pytest.mark.live
def test_up_and_destroy_select_or_create_the_stack_on_the_local_backend(target, tmp_path):
    assert shutil.which("make"), "make is needed (apt-get install -y make)"
    done = make(target, tmp_path, with_pulumi=True)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    backend = f"file://{ROOT}/.pulumi-state"
    policy = " --policy-pack policy" if target == "up" else ""
    assert calls == [
        f"{backend} stack select aks --create",
        f"{backend} {target} --stack aks{policy}",
    ]


@pytest.mark.live
def test_up_without_a_cli_it_can_download_says_why_in_one_line_and_points_to_plan(tmp_path):
    done = make("up", tmp_path, with_pulumi=False)
    assert done.returncode != 0
    said = [line for line in done.stderr.splitlines() if line.startswith("pulumi-cli: ")]
    assert said[0].startswith("pulumi-cli: no Pulumi CLI found; downloading pulumi-v")
    assert said[1].startswith("pulumi-cli: could not download http://127.0.0.1:")
    assert said[1].endswith("check the network, or set PULUMI=<path>")
    assert len(said) == 2
    assert "'make plan STACK=aks' shows offline what would be created" in done.stdout
    assert not list((tmp_path / "tools").rglob("*"))  # nothing half-installed
    assert not (tmp_path / "calls").exists()


@pytest.mark.parametrize("target", ["up", "destroy"])
@pytest.mark.live
def test_without_pulumi_on_path_the_pinned_cli_in_tools_runs_the_stack(target, tmp_path):
    """Also what the eks leftovers check reads the state with (`stack export`)."""
    fake_pulumi(tmp_path / "tools" / f"pulumi-v{pulumi_cli.VERSION}" / "pulumi")
    done = make(target, tmp_path, with_pulumi=False, stack="eks")
    assert done.returncode == 0, done.stdout + done.stderr
    calls = [c.split(" ", 1)[1] for c in (tmp_path / "calls").read_text().splitlines()]
    assert "stack select eks --create" in calls
    assert "stack export --stack eks" in calls
    assert any(c.startswith(f"{target} --stack eks") for c in calls)


@pytest.mark.live
def test_pulumi_given_to_make_is_the_cli_that_runs_as_make_e2e_gives_it(tmp_path):
    built = tmp_path / "e2e" / "pulumi"
    fake_pulumi(built)
    fake_pulumi(tmp_path / "tools" / f"pulumi-v{pulumi_cli.VERSION}" / "pulumi")
    done = make("destroy", tmp_path, True, "aks", f"PULUMI={built}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(
        line.endswith(f"-- {built} destroy --stack aks") for line in done.stdout.splitlines()
    )
    assert f"{built} stack select aks --create" in done.stdout.splitlines()
    missing = make("destroy", tmp_path, True, "aks", f"PULUMI={tmp_path / 'nowhere'}")
    assert missing.returncode != 0
    assert f"pulumi-cli: PULUMI={tmp_path / 'nowhere'} is not an executable file" in missing.stderr


@pytest.mark.live
def test_up_and_destroy_refuse_a_stack_without_a_file_before_pulumi_runs(tmp_path):
    """A typo used to create a new, empty stack, which deployed into the current kube context."""
    for target in ("up", "destroy"):
        done = make(target, tmp_path, with_pulumi=True, stack="akss")
        assert done.returncode == 2
        assert "No stack 'akss': the stacks are aks eks local" in done.stdout
        assert "cp stacks/Pulumi.local.yaml stacks/Pulumi.akss.yaml" in done.stdout
        assert not (tmp_path / "calls").exists()  # the Pulumi CLI never ran


@pytest.mark.live
def test_a_python_other_than_the_locked_minor_is_refused_before_building_the_venv(tmp_path):
    fake = tmp_path / "python3.12"
    fake.write_text('#!/bin/sh\n[ "$1" = -V ] && echo "Python 3.12.1" && exit 0\nexit 1\n')
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "venv", f"VENV={venv}", f"PYTHON={fake}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert (
        f"Python 3.11 is needed (the sample app's lock is compiled for it); '{fake}' is Python 3.12.1."
        in done.stdout
    )
    assert "make venv PYTHON=python3.11" in done.stdout
    assert not venv.exists()


@pytest.mark.live
def test_without_npm_make_says_what_to_install_instead_of_failing_on_npm(tmp_path):
    make_bin = shutil.which("make")
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    done = subprocess.run(
        [make_bin, "-B", "kit/crd-validate/node_modules/.package-lock.json"],
        cwd=ROOT,
        env={"PATH": str(empty_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Node.js 20+ with npm is needed" in done.stdout
    assert "found: no node, no npm." in done.stdout
    assert "No such file or directory" not in done.stderr


def test_the_node_version_the_makefile_requires_is_the_one_package_json_and_docs_name():
    import json
    import re

    engines = json.loads((ROOT / "kit/crd-validate/package.json").read_text())["engines"]["node"]
    major = re.fullmatch(r">=(\d+)", engines)[1]
    assert f"NODE_MAJOR := {major}\n" in (ROOT / "Makefile").read_text()
    assert f"Node.js {major}+" in (ROOT / "docs" / "development.md").read_text()
    ci_run = (ROOT / ".ci/run").read_text()
    ci_version = re.search(r"^NODE_VERSION=(\d+)\.(\d+)\.(\d+)$", ci_run, re.M)
    assert ci_version and ci_version[1] == major, "CI pins an exact Node of the required major"
    lock = json.loads((ROOT / ".ci/node/package-lock.json").read_text())
    (binary,) = [p for name, p in lock["packages"].items() if name.startswith("node_modules/")]
    assert binary["version"] == ci_version[0].removeprefix("NODE_VERSION=")
    assert binary["integrity"].startswith("sha512-")
    assert "npm ci --prefix .ci/node " in ci_run and "node@" not in ci_run


@pytest.mark.parametrize("target", ["up", "destroy"])
@pytest.mark.live
def test_eks_up_and_destroy_look_for_the_recreated_control_plane_log_group(target, tmp_path):
    done = make(target, tmp_path, with_pulumi=True, stack="eks")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    leftovers = next(i for i, line in enumerate(lines) if "kit.cloud_leftovers --stack eks" in line)
    policy = " --policy-pack policy" if target == "up" else ""
    pulumi = next(
        i
        for i, line in enumerate(lines)
        if line.endswith(f" -- pulumi {target} --stack eks{policy}")
    )
    assert (leftovers < pulumi) == (target == "up")  # before up, after destroy
    # the stand-in's `stack export` prints no state, so nothing is deleted and a line says so
    group = "/aws/eks/o11y-kit-eks/cluster"
    assert f"eks-leftovers: {group} left alone: could not read stack eks's state" in done.stderr
    assert "stack export --stack eks" in (tmp_path / "calls").read_text()


@pytest.mark.live
def test_the_real_node_passes_the_version_check_and_npm_ci_follows(tmp_path):
    """The check runs the real node (a boolean to process.exit() is an error on Node 20+); npm
    is a stand-in that records its call, so the shared node_modules is not touched."""
    node = shutil.which("node")
    require_tool(node, "Node.js", "install Node.js 20+ (see docs/development.md, Prerequisites)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_npm = bin_dir / "npm"
    fake_npm.write_text(f'#!/bin/sh\necho "$*" > {tmp_path / "npm-call"}\n')
    fake_npm.chmod(0o755)
    (bin_dir / "node").symlink_to(node)
    done = subprocess.run(
        [shutil.which("make"), "-B", "kit/crd-validate/node_modules/.package-lock.json"],
        cwd=ROOT,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "npm-call").read_text().startswith("ci --prefix kit/crd-validate")


FAKE_PULUMI_SEEING_KUBECONFIG = """#!/bin/sh
echo "pulumi $* KUBECONFIG=$KUBECONFIG" >> "$FAKE_CALLS"
"""


@pytest.mark.live
def test_local_up_without_a_cluster_creates_one_deploys_there_and_destroy_deletes_it(tmp_path):
    """No kube context, a working Docker: a kind cluster first, Pulumi with its kubeconfig, and
    on destroy that cluster deleted after Pulumi's destroy (stand-in docker, kind and pulumi)."""
    machine = kind_fakes.install(tmp_path / "fake")
    (machine.bin / "pulumi").write_text(FAKE_PULUMI_SEEING_KUBECONFIG)
    (machine.bin / "pulumi").chmod(0o755)
    env = kind_fakes.environment(machine, tmp_path, _closed_port())
    env["PATH"] = f"{machine.bin}:{os.environ['PATH']}"
    kubeconfig = tmp_path / "clusters" / "local.kubeconfig"
    for target in ("up", "destroy"):
        done = make(target, tmp_path, False, "local", **env)
        assert done.returncode == 0, done.stdout + done.stderr
    calls = [c for c in machine.calls() if c.startswith(("pulumi", "kind create", "kind delete"))]
    assert calls[0].startswith("kind create cluster --name o11y-kit-local --config ")
    assert calls[1:] == [
        f"pulumi stack select local --create KUBECONFIG={env['KUBECONFIG']}",
        f"pulumi up --stack local --policy-pack policy KUBECONFIG={kubeconfig}",
        f"pulumi stack select local --create KUBECONFIG={env['KUBECONFIG']}",
        f"pulumi destroy --stack local KUBECONFIG={kubeconfig}",
        f"kind delete cluster --name o11y-kit-local --kubeconfig {kubeconfig}",
    ]
    assert machine.clusters() == []
    assert "crd-leftovers: stack local's kind cluster, which the kit created, is deleted next" in (
        done.stdout
    )


@pytest.mark.live
def test_local_up_without_a_cluster_or_docker_stops_before_pulumi_in_one_line(tmp_path):
    machine = kind_fakes.install(tmp_path / "fake", docker=False)
    (machine.bin / "pulumi").write_text(FAKE_PULUMI_SEEING_KUBECONFIG)
    (machine.bin / "pulumi").chmod(0o755)
    env = kind_fakes.environment(machine, tmp_path, _closed_port())
    env["PATH"] = (
        f"{machine.bin}:{':'.join(p for p in os.environ['PATH'].split(':') if not os.path.exists(os.path.join(p, 'docker')))}"
    )
    done = make("up", tmp_path, False, "local", **env)
    assert done.returncode != 0
    said = [line for line in done.stderr.splitlines() if line.startswith("local-cluster: ")]
    assert (
        len(said) == 1
        and "install Docker (https://docs.docker.com/get-docker/) and start it" in said[0]
    )
    assert machine.calls() == []
