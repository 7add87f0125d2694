"""A cluster when there is none (kit/cli/kind_cluster.py), with stand-in `docker` and `kind` on
PATH that record what they were asked (tests/kit/cli/kitcli_kind_fakes.py): created only with no
reachable context and a working Docker, on the pinned image with one control plane and two
workers, recorded; deleted only when the record and the cluster agree."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from kit.cli import kind_cli, kind_cluster
from tests.helpers import ROOT
from tests.kit.cli import kitcli_kind_fakes as fakes
from tests.kit.cli.kitcli_releases import closed_port

STACK = "local"
NAME = "o11y-kit-local"
CREATE_PREFIX = f"kind create cluster --name {NAME} --config "
# What an API server's /version/ answers (every field the kubernetes client requires).
VERSION_INFO = {
    "major": "1",
    "minor": "36",
    "gitVersion": "v1.36.1",
    "gitCommit": "0" * 40,
    "gitTreeState": "clean",
    "buildDate": "2026-05-01T00:00:00Z",
    "goVersion": "go1.26.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """No kube context, a working Docker, the pinned kind on PATH; `machine.env` as set."""
    return _machine(tmp_path, monkeypatch)


def _machine(tmp_path, monkeypatch, **programs: bool) -> fakes.Machine:
    machine = fakes.install(tmp_path / "fake", **programs)
    machine.env = fakes.environment(machine, tmp_path, closed_port())
    for key in ("KIND", "PULUMI"):
        monkeypatch.delenv(key, raising=False)
    for key, value in machine.env.items():
        monkeypatch.setenv(key, value)
    machine.record = tmp_path / "clusters" / f"{STACK}.json"
    machine.kubeconfig = tmp_path / "clusters" / f"{STACK}.kubeconfig"
    return machine


def run(*argv: str, capsys) -> tuple[int, list[str]]:
    code = kind_cluster.main(list(argv))
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.live
def test_no_context_and_docker_create_the_pinned_three_node_cluster_and_record_it(machine, capsys):
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 0, err
    calls = machine.calls()
    (create,) = [c for c in calls if c.startswith("kind create")]
    assert create.startswith(CREATE_PREFIX)
    assert create.endswith(f" --kubeconfig {machine.kubeconfig} --wait 180s")
    assert calls.index("docker info --format {{.ServerVersion}}") < calls.index(create)
    config = yaml.safe_load((machine.state / "config.yaml").read_text())
    image = kind_cli.NODE_IMAGE
    assert config == {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [
            {"role": "control-plane", "image": image},
            {"role": "worker", "image": image},
            {"role": "worker", "image": image},
        ],
    }
    assert "networking" not in config  # kind's default CNI, kindnet, which enforces policies
    assert json.loads(machine.record.read_text()) == {
        "createdBy": "o11y-kit",
        "stack": STACK,
        "cluster": NAME,
        "context": f"kind-{NAME}",
        "kubeconfig": str(machine.kubeconfig),
        "kind": kind_cli.VERSION,
        "nodeImage": image,
        "controlPlane": f"id-of-{NAME}",
    }
    assert err[0].startswith("local-cluster: no reachable kube context (no usable kubeconfig")
    assert err[-1] == (
        f"local-cluster: created kind cluster {NAME} (1 control plane, 2 workers, {image}); "
        f"for kubectl: export KUBECONFIG={machine.kubeconfig}"
    )
    # the next up uses it again, creating nothing
    before = len(machine.calls())
    assert run("up", "--stack", STACK, capsys=capsys) == (
        0,
        [f"local-cluster: using kind cluster {NAME}, which the kit created"],
    )
    assert not [c for c in machine.calls()[before:] if c.startswith("kind create")]


@pytest.mark.live
def test_pulumi_runs_with_the_recorded_cluster_kubeconfig_and_unchanged_without_one(machine):
    def kubeconfig_seen() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kit.cli.kind_cluster", "exec", "--stack", STACK, "--"]
            + ["sh", "-c", 'echo "$KUBECONFIG"'],
            cwd=ROOT,
            env=machine.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    assert kubeconfig_seen() == machine.env["KUBECONFIG"]
    assert kind_cluster.main(["up", "--stack", STACK]) == 0
    assert kubeconfig_seen() == str(machine.kubeconfig)


def _kubeconfig_for(server: str, path) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "mine", "cluster": {"server": server}}],
                "users": [{"name": "me", "user": {"token": "t"}}],
                "contexts": [{"name": "mine", "context": {"cluster": "mine", "user": "me"}}],
                "current-context": "mine",
            }
        )
    )


@pytest.mark.parametrize("status", [200, 401])
@pytest.mark.live
def test_a_context_that_answers_is_used_and_neither_docker_nor_kind_is_called(
    machine, httpserver, tmp_path, status, capsys
):
    """Even a refusal of its credentials: that context is the user's to fix."""
    httpserver.expect_request("/version/").respond_with_json(VERSION_INFO, status)
    _kubeconfig_for(httpserver.url_for(""), tmp_path / "no-kubeconfig")
    assert run("up", "--stack", STACK, capsys=capsys) == (0, [])
    assert machine.calls() == []
    assert not machine.record.exists()


@pytest.mark.live
def test_an_unreachable_context_counts_as_none(machine, tmp_path, capsys):
    closed = closed_port()
    _kubeconfig_for(closed, tmp_path / "no-kubeconfig")
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 0, err
    assert err[0].startswith(f"local-cluster: no reachable kube context (context mine at {closed}")
    assert machine.clusters() == [NAME]


@pytest.mark.live
def test_without_docker_one_line_says_what_to_install_or_which_context_to_use(
    tmp_path, monkeypatch, capsys
):
    machine = _machine(tmp_path, monkeypatch, docker=False)
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("local-cluster: no reachable kube context (no usable kubeconfig: ")
    assert err[0].endswith(
        "and no Docker to create a kind cluster in (docker: command not found): install Docker "
        "(https://docs.docker.com/get-docker/) and start it, or choose a reachable cluster "
        "(kubectl config use-context <name>, or o11y-kit:context in stacks/Pulumi.local.yaml)"
    )
    assert machine.calls() == []
    assert not machine.record.exists()


@pytest.mark.live
def test_a_stopped_docker_daemon_is_the_same_one_line(machine, capsys):
    (machine.state / "docker-down").touch()
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 2
    assert (
        "(docker info: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.)"
        in (err[0])
    )
    assert "Docker daemon at unix:///var/run/docker.sock.): start Docker, or choose a " in err[0]
    assert machine.calls() == ["docker info --format {{.ServerVersion}}"]


@pytest.mark.live
def test_destroy_deletes_the_recorded_cluster_and_no_other(machine, capsys):
    machine.add_cluster("someone-elses", "id-of-someone-elses")
    assert kind_cluster.main(["up", "--stack", STACK]) == 0
    assert machine.clusters() == ["someone-elses", NAME]
    capsys.readouterr()
    code, err = run("down", "--stack", STACK, capsys=capsys)
    assert code == 0, err
    assert [c for c in machine.calls() if c.startswith("kind delete")] == [
        f"kind delete cluster --name {NAME} --kubeconfig {machine.kubeconfig}"
    ]
    assert machine.clusters() == ["someone-elses"]
    assert not machine.record.exists() and not machine.kubeconfig.exists()
    assert err[-1] == f"local-cluster: deleted kind cluster {NAME}"
    # nothing recorded any more: a second destroy calls nothing
    calls = len(machine.calls())
    assert run("down", "--stack", STACK, capsys=capsys) == (0, [])
    assert len(machine.calls()) == calls


@pytest.mark.live
def test_destroy_refuses_a_cluster_of_that_name_that_is_not_the_one_created(machine, capsys):
    """Deleted by hand and made again (by someone else) under the kit's name."""
    assert kind_cluster.main(["up", "--stack", STACK]) == 0
    (machine.state / f"container-{NAME}-control-plane").write_text("another-container\n")
    capsys.readouterr()
    code, err = run("down", "--stack", STACK, capsys=capsys)
    assert code == 2
    assert err == [
        f"local-cluster: kind cluster {NAME} is not the one the kit created (its control-plane "
        f"container is another-container, the record {machine.record} says id-of-{NAME}): left "
        f"alone; if it is yours to delete, run `kind delete cluster --name {NAME}` and remove "
        "the record"
    ]
    assert not [c for c in machine.calls() if c.startswith("kind delete")]
    assert machine.clusters() == [NAME] and machine.record.exists()


@pytest.mark.live
def test_destroy_refuses_a_record_naming_another_cluster_and_calls_nothing(machine, capsys):
    machine.add_cluster("prod", "id-of-prod")
    machine.record.parent.mkdir(parents=True)
    record = {"createdBy": "o11y-kit", "stack": STACK, "cluster": "prod", "kubeconfig": "k"}
    machine.record.write_text(json.dumps(record))
    code, err = run("down", "--stack", STACK, capsys=capsys)
    assert code == 2
    assert err == [
        f"local-cluster: {machine.record} names cluster 'prod' of stack 'local' (created by "
        f"'o11y-kit'), not the kit's '{NAME}' of stack 'local': the kit deletes only the cluster "
        "it created for this stack; move the file away"
    ]
    assert machine.calls() == [] and machine.clusters() == ["prod"]


@pytest.mark.live
def test_without_a_record_destroy_leaves_even_a_cluster_of_the_kits_name(machine, capsys):
    machine.add_cluster(NAME, "made-by-hand")
    assert run("down", "--stack", STACK, capsys=capsys) == (0, [])
    assert machine.calls() == [] and machine.clusters() == [NAME]


@pytest.mark.live
def test_up_refuses_to_adopt_a_cluster_of_the_kits_name_it_did_not_create(machine, capsys):
    machine.add_cluster(NAME, "made-by-hand")
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 2
    assert err[-1] == (
        f"local-cluster: a kind cluster named {NAME} exists that the kit did not create: left "
        f"alone; use it (kubectl config use-context kind-{NAME}) or delete it (kind delete "
        f"cluster --name {NAME}), then run make up again"
    )
    assert not [c for c in machine.calls() if c.startswith(("kind create", "kind delete"))]
    assert not machine.record.exists()


@pytest.mark.live
def test_a_failed_create_leaves_no_record(machine, capsys):
    (machine.state / "create-fails").touch()
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 2
    assert err[-1] == ("local-cluster: `create cluster --name` failed (exit status 1); see above")
    assert not machine.record.exists() and not machine.kubeconfig.exists()


@pytest.mark.live
def test_a_gone_cluster_drops_its_record_and_a_new_one_is_created(machine, capsys):
    assert kind_cluster.main(["up", "--stack", STACK]) == 0
    (machine.state / "clusters").write_text("")
    capsys.readouterr()
    code, err = run("up", "--stack", STACK, capsys=capsys)
    assert code == 0, err
    assert err[0] == (
        f"local-cluster: kind cluster {NAME}, which the kit created, is gone; its record is removed"
    )
    assert machine.clusters() == [NAME] and machine.record.exists()


def test_a_stack_that_names_its_context_or_a_cloud_stack_never_gets_a_kind_cluster(
    tmp_path, monkeypatch
):
    from kit import stackfile

    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for name, config in {
        "mine": "o11y-kit:cloud: local\n  o11y-kit:context: kind-mine",
        "aks": "o11y-kit:cloud: aks",
        "bare": "o11y-kit:cloud: local",
    }.items():
        (stacks / f"Pulumi.{name}.yaml").write_text(f"config:\n  {config}\n")
    monkeypatch.setattr(stackfile, "STACKS_DIR", stacks)
    wanted = {name: kind_cluster.wants_a_cluster(name) for name in ("mine", "aks", "bare")}
    assert wanted == {"mine": False, "aks": False, "bare": True}


@pytest.mark.live
def test_the_kit_commands_reach_the_recorded_cluster_whatever_the_current_context(
    machine, httpserver, tmp_path
):
    """`python -m kit status --stack local` and the others connect through kit/cli/kube.py."""
    import argparse

    from kit.cli.kube import connect

    assert kind_cluster.main(["up", "--stack", STACK]) == 0
    httpserver.expect_request("/version/").respond_with_json(VERSION_INFO)
    kubeconfig = yaml.safe_load(machine.kubeconfig.read_text())
    kubeconfig.update(
        clusters=[{"name": NAME, "cluster": {"server": httpserver.url_for("")}}],
        users=[{"name": NAME, "user": {"token": "t"}}],
        contexts=[{"name": f"kind-{NAME}", "context": {"cluster": NAME, "user": NAME}}],
    )
    machine.kubeconfig.write_text(yaml.safe_dump(kubeconfig))
    _kubeconfig_for(closed_port(), tmp_path / "no-kubeconfig")  # the user's context: elsewhere
    args = argparse.Namespace(stack=STACK, kubeconfig=None, context=None)
    assert connect(args, kit_deployed=False).where == f"context kind-{NAME}"
