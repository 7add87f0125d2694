"""`make up`/`make destroy` on eks survive and remove the control-plane log group EKS recreates
after the cluster is deleted (kit/eks_leftovers.py), against moto's AWS."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from kit import eks_leftovers

REGION = "ap-northeast-1"
GROUP = "/aws/eks/o11y-kit-eks/cluster"


@pytest.fixture
def session(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def groups(session) -> list[str]:
    found = session.client("logs").describe_log_groups()["logGroups"]
    return sorted(g["logGroupName"] for g in found)


def test_a_log_group_that_outlived_its_cluster_is_deleted_and_nothing_else(session):
    logs = session.client("logs")
    for name in (GROUP, "/aws/eks/someone-else/cluster", "/aws/eks/o11y-kit-eks/cluster-old"):
        logs.create_log_group(logGroupName=name)
    said = eks_leftovers.remove_leftover_log_group("eks", session)
    assert said == f"deleted {GROUP}: EKS recreated it after cluster o11y-kit-eks was deleted"
    assert groups(session) == ["/aws/eks/o11y-kit-eks/cluster-old", "/aws/eks/someone-else/cluster"]


def test_the_log_group_of_a_running_cluster_is_left_alone(session):
    session.client("logs").create_log_group(logGroupName=GROUP)
    session.client("eks").create_cluster(
        name="o11y-kit-eks",
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]},
    )
    said = eks_leftovers.remove_leftover_log_group("eks", session)
    assert said.startswith("cluster o11y-kit-eks exists")
    assert groups(session) == [GROUP]


def test_the_command_reads_the_stack_file_and_does_nothing_off_eks(session, capsys):
    session.client("logs").create_log_group(logGroupName=GROUP)
    assert eks_leftovers.main(["--stack", "local"]) == 0
    assert groups(session) == [GROUP]
    assert eks_leftovers.main(["--stack", "eks"]) == 0  # region from stacks/Pulumi.eks.yaml
    assert groups(session) == []
    assert capsys.readouterr().out.startswith(f"eks-leftovers: deleted {GROUP}")


def test_no_credentials_is_a_note_not_a_failure(monkeypatch, capsys):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert eks_leftovers.main(["--stack", "eks"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"eks-leftovers: could not check {GROUP}")
    assert "aws logs delete-log-group" in err
