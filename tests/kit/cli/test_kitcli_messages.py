"""One-line messages for what a user gets wrong around the cluster: a missing kubeconfig, a
stack whose kubeconfig needs the Pulumi CLI, credentials that are not allowed (403, not 401),
and an API server that never answers (said once, without a retry doubling the wait)."""

from __future__ import annotations

import socket

import pytest

from kit.__main__ import main
from kit.cli import kube
from tests.kit.cli.kitcli_fakes import ReplayServer, write_kubeconfig


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def test_a_missing_kubeconfig_file_is_named(tmp_path, capsys):
    missing = tmp_path / "nope" / "kubeconfig"
    assert main(["status", "--kubeconfig", str(missing)]) == 2
    assert one_line(capsys) == f"kit: --kubeconfig {missing}: no such file"


@pytest.mark.parametrize("stack", ["aks", "eks"])
def test_a_cloud_stack_without_the_pulumi_cli_does_not_fall_back_to_the_current_context(
    stack, monkeypatch, capsys
):
    monkeypatch.setattr(kube, "pulumi_available", lambda: False)
    assert main(["status", "--stack", stack]) == 2
    err = one_line(capsys)
    assert err.startswith(f"kit: stack {stack}: its kubeconfig is a stack output")
    assert "--context/--kubeconfig" in err


@pytest.mark.live
def test_forbidden_is_not_reported_as_bad_credentials(tmp_path, capsys):
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403}
    with ReplayServer(lambda request: (403, status)) as api:
        kubeconfig = write_kubeconfig(tmp_path, api.url)
        assert main(["status", "--kubeconfig", str(kubeconfig)]) == 2
    err = one_line(capsys)
    assert "accepted the credentials of context test but does not allow them" in err
    assert "HTTP 403" in err and "refused the credentials" not in err


@pytest.mark.live
def test_an_api_that_never_answers_is_said_once_in_words(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kube, "PROBE_TIMEOUT_S", 1)
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        kubeconfig = write_kubeconfig(tmp_path, f"http://127.0.0.1:{silent.getsockname()[1]}")
        assert main(["status", "--kubeconfig", str(kubeconfig)]) == 2
        silent.setblocking(False)
        connections = []
        while True:
            try:
                connections.append(silent.accept()[0])
            except BlockingIOError:
                break
        for conn in connections:
            conn.close()
    err = one_line(capsys)
    assert err.endswith("no answer within 1 s (a firewall, a VPN or a stopped cluster?)"), err
    assert "read timeout=" not in err
    assert len(connections) == 1  # a read that timed out is not retried


def test_node_provider_ids_are_matched_whole_and_in_ascii():
    from types import SimpleNamespace

    from kit.cli import nodes

    base = (
        "azure:///subscriptions/s/resourceGroups/mc_rg/providers/Microsoft.Compute/"
        "virtualMachineScaleSets/aks-system-1/virtualMachines/"
    )

    def command(provider_id):
        node = SimpleNamespace(spec=SimpleNamespace(provider_id=provider_id))
        return nodes.vmss_command(node, "deallocate")

    assert command(base + "3") is not None
    for bad in (base + "３", base + "3\n", base + "3/extra"):
        assert command(bad) is None, bad


@pytest.mark.live
def test_a_local_stack_is_reached_through_its_own_kubeconfig_and_context(
    tmp_path, monkeypatch, capsys
):
    """`make up STACK=mine` deployed to the kubeconfig/context the stack file names; the CLI
    must look there, not at the current context."""
    from kit import stackfile

    stacks = tmp_path / "stacks"
    stacks.mkdir()
    monkeypatch.setattr(stackfile, "STACKS_DIR", stacks)
    with ReplayServer(lambda request: (404, {"kind": "Status", "code": 404})) as api:
        kubeconfig = write_kubeconfig(tmp_path, api.url)
        (stacks / "Pulumi.mine.yaml").write_text(
            f"config:\n  o11y-kit:cloud: local\n  o11y-kit:kubeconfig: {kubeconfig}\n"
            "  o11y-kit:context: test\n"
        )
        monkeypatch.setattr(kube, "pulumi_available", lambda: False)
        assert main(["status", "--stack", "mine"]) == 2
        assert api.requests, "the stack's kubeconfig was not used"
    assert "the kit is not deployed in context test" in one_line(capsys)
    (stacks / "Pulumi.mine.yaml").write_text(
        "config:\n  o11y-kit:cloud: local\n  o11y-kit:kubeconfig: /nowhere/kubeconfig\n"
    )
    assert main(["status", "--stack", "mine"]) == 2
    assert one_line(capsys) == "kit: stack mine's kubeconfig /nowhere/kubeconfig: no such file"


def test_a_broken_stack_file_is_one_line_naming_file_and_line(tmp_path, monkeypatch, capsys):
    from kit import stackfile

    monkeypatch.setattr(stackfile, "STACKS_DIR", tmp_path)
    (tmp_path / "Pulumi.mine.yaml").write_text("config:\n\to11y-kit:cloud: local\n")
    assert main(["status", "--stack", "mine"]) == 2
    err = one_line(capsys)
    assert err.startswith(f"kit: {tmp_path / 'Pulumi.mine.yaml'}:2: invalid YAML: found character")
