"""`make up`/`make destroy` on eks survive and remove the control-plane log group EKS recreates
after the cluster is deleted (components/platforms/eks/leftovers.py), against moto's AWS, and never
delete a group the stack's state still holds: the state comes from a stand-in `pulumi` on PATH whose
`stack export` prints a deployment built from the eks program's own registered resources."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from kit import cloud_leftovers as leftovers_cli
from tests.helpers import LOG_GROUP

REGION = "ap-northeast-1"
GROUP = "/aws/eks/o11y-kit-eks/cluster"
CLUSTER = "o11y-kit-eks"

FAKE_PULUMI = """#!/bin/sh
[ "$*" = "stack export --stack eks" ] || { echo "unexpected: pulumi $*" >&2; exit 3; }
cat "$PULUMI_EXPORT"
"""


@pytest.fixture
def session(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def pulumi_exports(tmp_path, monkeypatch):
    """pulumi_exports(text): a stand-in `pulumi` (and nothing else named so) on PATH whose
    `stack export --stack eks` prints `text`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_PULUMI)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")

    def exports(text: str) -> None:
        (tmp_path / "export.json").write_text(text)
        monkeypatch.setenv("PULUMI_EXPORT", str(tmp_path / "export.json"))

    return exports


def deployment(resources: list[dict], pending: list[dict] = ()) -> str:
    """What `pulumi stack export` prints (apitype.UntypedDeployment, DeploymentV3)."""
    latest = {"manifest": {"time": "2026-11-29T10:00:00Z", "magic": "", "version": "v3"}}
    if resources:
        latest["resources"] = resources
    if pending:
        latest["pending_operations"] = [{"resource": r, "type": "creating"} for r in pending]
    return json.dumps({"version": 3, "deployment": latest})


def state_resource(registered, with_outputs: bool = True) -> dict:
    return {
        "urn": registered.urn,
        "custom": True,
        "type": registered.type,
        "inputs": registered.inputs,
        **({"outputs": {**registered.inputs, "arn": "arn:aws:logs:..."}} if with_outputs else {}),
    }


@pytest.fixture
def program_log_groups(evaluated) -> dict[str, object]:
    """The eks program's log groups as it registers them, by name."""
    groups = {r.inputs["name"]: r for r in evaluated("eks").of_type(LOG_GROUP)}
    assert GROUP in groups
    return groups


def groups(session) -> list[str]:
    found = session.client("logs").describe_log_groups()["logGroups"]
    return sorted(g["logGroupName"] for g in found)


def create_cluster(session) -> None:
    session.client("eks").create_cluster(
        name=CLUSTER,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]},
    )


def run_main(capsys) -> tuple[list[str], list[str]]:
    assert leftovers_cli.main(["--stack", "eks"]) == 0  # region from stacks/Pulumi.eks.yaml
    said = capsys.readouterr()
    return said.out.splitlines(), said.err.splitlines()


@pytest.mark.parametrize("how", ["created", "create interrupted"])
@pytest.mark.live
def test_a_half_created_stack_keeps_its_log_group(
    how, session, pulumi_exports, program_log_groups, capsys
):
    """First `up` created the group, then failed on the cluster: the group is in the state (or
    its create is a pending operation), so Pulumi keeps it, with its retention and logs."""
    group = state_resource(program_log_groups[GROUP], with_outputs=how == "created")
    pulumi_exports(deployment([group]) if how == "created" else deployment([], pending=[group]))
    session.client("logs").create_log_group(logGroupName=GROUP)
    out, err = run_main(capsys)
    assert out == [f"eks-leftovers: {GROUP} is in stack eks's state: Pulumi manages it, left alone"]
    assert err == []
    assert groups(session) == [GROUP]


@pytest.mark.live
def test_a_group_not_in_the_state_whose_cluster_is_gone_is_deleted_and_nothing_else(
    session, pulumi_exports, program_log_groups, capsys
):
    """After `pulumi destroy` the state holds none of it; EKS recreated the group."""
    others = [state_resource(r) for name, r in program_log_groups.items() if name != GROUP]
    pulumi_exports(deployment(others))
    logs = session.client("logs")
    for name in (GROUP, "/aws/eks/someone-else/cluster", "/aws/eks/o11y-kit-eks/cluster-old"):
        logs.create_log_group(logGroupName=name)
    out, _ = run_main(capsys)
    assert out == [
        f"eks-leftovers: deleted {GROUP}: EKS recreated it after cluster {CLUSTER} was deleted"
    ]
    assert groups(session) == ["/aws/eks/o11y-kit-eks/cluster-old", "/aws/eks/someone-else/cluster"]


@pytest.mark.live
def test_an_empty_state_and_no_group_is_a_note(session, pulumi_exports, capsys):
    pulumi_exports(deployment([]))
    assert run_main(capsys) == ([f"eks-leftovers: no leftover log group {GROUP}"], [])


@pytest.mark.live
def test_the_log_group_of_an_existing_cluster_is_left_alone(session, pulumi_exports, capsys):
    pulumi_exports(deployment([]))
    session.client("logs").create_log_group(logGroupName=GROUP)
    create_cluster(session)
    out, _ = run_main(capsys)
    assert out == [
        f"eks-leftovers: cluster {CLUSTER} exists: its log group {GROUP} is in use, left alone"
    ]
    assert groups(session) == [GROUP]


STATE_UNAVAILABLE = {
    "no Pulumi CLI": (None, "the Pulumi CLI is not installed"),
    "CLI fails": ("exit", "`pulumi stack export --stack eks` failed: error: no stack named 'eks'"),
    "not JSON": ("not json", "`pulumi stack export --stack eks` gave no readable state"),
    "a secret name": (
        deployment([{"urn": "urn:x", "type": LOG_GROUP, "outputs": {"name": {"ciphertext": "x"}}}]),
        "`pulumi stack export --stack eks` gave no readable state",
    ),
}


@pytest.mark.parametrize("case", STATE_UNAVAILABLE)
@pytest.mark.live
def test_without_a_readable_state_nothing_is_deleted_and_one_line_says_so(
    case, session, tmp_path, monkeypatch, capsys
):
    export, reason = STATE_UNAVAILABLE[case]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if export is not None:
        script = (
            "echo \"error: no stack named 'eks'\" >&2; exit 255"
            if export == "exit"
            else (f"/bin/cat {tmp_path / 'export.json'}")
        )
        (tmp_path / "export.json").write_text(export)
        (bin_dir / "pulumi").write_text(f"#!/bin/sh\n{script}\n")
        (bin_dir / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))  # no other pulumi
    session.client("logs").create_log_group(logGroupName=GROUP)
    out, err = run_main(capsys)
    assert out == []
    (line,) = err
    assert line.startswith(f"eks-leftovers: {GROUP} left alone: could not read stack eks's state")
    assert reason in line and "aws logs delete-log-group" in line
    assert groups(session) == [GROUP]


def test_off_eks_nothing_is_asked(session, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi: it is not even needed
    session.client("logs").create_log_group(logGroupName=GROUP)
    assert leftovers_cli.main(["--stack", "local"]) == 0
    assert capsys.readouterr() == ("", "")
    assert groups(session) == [GROUP]


@pytest.mark.live
def test_no_credentials_is_a_note_not_a_failure(pulumi_exports, monkeypatch, capsys):
    pulumi_exports(deployment([]))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out, err = run_main(capsys)
    assert out == []
    (line,) = err
    assert line.startswith(f"eks-leftovers: could not check {GROUP}")
    assert "aws logs delete-log-group" in line
