"""eks: the X-Ray (Transaction Search spans) and CloudWatch Logs checks, and stopping /
restarting a node group instance, against moto's AWS."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from components.platforms.eks.log_groups import SPANS_LOG_GROUP
from kit.cli import checks_aws, nodes
from kit.cli.checks import FAIL, PASS
from kit.cli.kube import Kube
from tests.helpers import moto_aws
from tests.kit.cli.kitcli_cluster import node

REGION = "us-east-1"
W3C_ID = "6741b2c00b5e6b0e3f6d9a2c1e4b7d8f"
CLUSTER = "o11y-kit-eks"


@pytest.fixture
def session(monkeypatch):
    with moto_aws(monkeypatch, REGION) as session:
        yield session


def put_trace(session, services: list[str], trace_id: str = W3C_ID) -> None:
    """One span per service in Transaction Search's `aws/spans`, in the shape of an OTLP span
    there (traceId, spanId, name, resource.attributes): moto takes PutLogEvents for it, where
    X-Ray writes it in AWS."""
    logs = session.client("logs")
    try:
        logs.create_log_group(logGroupName=SPANS_LOG_GROUP)
        logs.create_log_stream(logGroupName=SPANS_LOG_GROUP, logStreamName="default")
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    start = int(time.time() * 1000) - 60_000
    spans = [
        {
            "resource": {"attributes": {"service.name": service, "k8s.namespace.name": "o11y-app"}},
            "traceId": trace_id,
            "spanId": f"{i + 1:016x}",
            "name": f"GET /{service}",
            "kind": "SERVER",
        }
        for i, service in enumerate(services)
    ]
    logs.put_log_events(
        logGroupName=SPANS_LOG_GROUP,
        logStreamName="default",
        logEvents=[{"timestamp": start + i, "message": json.dumps(s)} for i, s in enumerate(spans)],
    )


def now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


ALL_TIERS = ["sample-front", "sample-middle", "sample-back"]


@pytest.mark.parametrize(
    "others, trace_id",
    [
        ([], W3C_ID),
        ([("1" * 32, ["sample-back"])], W3C_ID),  # the complete trace among incomplete ones
        ([], f"1-{W3C_ID[:8]}-{W3C_ID[8:]}"),  # X-Ray's form, handed on as the logs' W3C id
    ],
)
def test_xray_trace_through_all_tiers(session, others, trace_id):
    for other, services in others:
        put_trace(session, services, trace_id=other)
    put_trace(session, ALL_TIERS, trace_id=trace_id)
    found: list[str] = []
    check = checks_aws.xray_trace(session, now(), found)
    assert check.status == PASS, check
    assert found == [W3C_ID]


def test_xray_trace_missing_a_tier_fails(session):
    put_trace(session, ["sample-front", "sample-back"])
    check = checks_aws.xray_trace(session, now(), [])
    assert check.status == FAIL and "none through all" in check.detail


def test_xray_trace_without_spans_fails(session):
    put_trace(session, ["sample-front", "sample-middle"])
    check = checks_aws.xray_trace(session, now(), [])
    assert check.status == FAIL and "no span of sample-back" in check.detail


def test_xray_trace_before_transaction_search_has_a_span_fails(session):
    """No `aws/spans` yet (Transaction Search never took a span): a failed check, not a crash."""
    assert checks_aws.xray_trace(session, now(), []).status == FAIL


def test_cloudwatch_logs_of_the_trace(session):
    logs = session.client("logs")
    group = checks_aws.application_log_group(CLUSTER)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="sample-back-1")
    line = {"body": json.dumps({"message": "served", "trace_id": W3C_ID}), "trace_id": W3C_ID}
    logs.put_log_events(
        logGroupName=group,
        logStreamName="sample-back-1",
        logEvents=[{"timestamp": int(time.time() * 1000) - 5000, "message": json.dumps(line)}],
    )
    assert checks_aws.cloudwatch_logs(session, CLUSTER, W3C_ID, now()).status == PASS
    other = checks_aws.cloudwatch_logs(session, CLUSTER, "0" * 32, now())
    assert other.status == FAIL and "no log line" in other.detail


def test_cloudwatch_logs_without_the_log_group_fails(session):
    check = checks_aws.cloudwatch_logs(session, "no-such-cluster", W3C_ID, now())
    assert check.status == FAIL


class _Nodes(Kube):
    """A Kube whose nodes are given; it answers the node list, reads and annotation patches of
    those nodes, and an empty list of monitoring pods."""

    def __init__(self, items):
        self._items = items

    def nodes(self):
        return self._items

    @property
    def core(self):
        from kubernetes.client import V1PodList

        items = self._items

        class Core:
            def list_namespaced_pod(self, *args, **kwargs):
                return V1PodList(items=[])

            def read_node(self, name, **kwargs):
                return next(n for n in items if n.metadata.name == name)

            def patch_node(self, name, body, **kwargs):
                found = self.read_node(name)
                marks = {**(found.metadata.annotations or {}), **body["metadata"]["annotations"]}
                found.metadata.annotations = {k: v for k, v in marks.items() if v is not None}

        return Core()


def _node_model(name: str, instance_id: str, ready: bool = True):
    from kubernetes.client import ApiClient

    raw = node(name, f"aws:///{REGION}a/{instance_id}", ready=ready,
               labels={"topology.kubernetes.io/region": REGION})  # fmt: skip
    return ApiClient()._ApiClient__deserialize(raw, "V1Node")  # the client's own JSON -> model


def node_group_instance(session) -> str:
    ec2 = session.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    autoscaling = session.client("autoscaling")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="ng", ImageId=image, InstanceType="t3.large"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="eks-ng-1",
        LaunchConfigurationName="ng",
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=[f"{REGION}a"],
    )
    tags = [
        {"Key": "eks:nodegroup-name", "Value": "ng"},
        {"Key": "eks:cluster-name", "Value": CLUSTER},
        {"Key": "aws:autoscaling:groupName", "Value": "eks-ng-1"},
    ]
    reservation = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )
    return reservation["Instances"][0]["InstanceId"]


def _state(session, instance_id: str) -> str:
    answer = session.client("ec2").describe_instances(InstanceIds=[instance_id])
    return answer["Reservations"][0]["Instances"][0]["State"]["Name"]


def _suspended(session) -> set[str]:
    group = session.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=["eks-ng-1"]
    )["AutoScalingGroups"][0]
    return {p["ProcessName"] for p in group.get("SuspendedProcesses", [])}


def test_break_node_stops_the_instance_and_heal_starts_it(session):
    instance_id = node_group_instance(session)
    worker = _node_model("ip-10-0-1-5.ec2.internal", instance_id)

    said, action = nodes.break_node(_Nodes([worker]), None, False, "r1", CLUSTER, session=session)
    assert "--yes" in said and action is None and _state(session, instance_id) == "running"

    said, action = nodes.break_node(_Nodes([worker]), None, True, "r1", CLUSTER, session=session)
    assert _state(session, instance_id) == "stopped", said
    assert {"HealthCheck", "ReplaceUnhealthy"} <= _suspended(session)

    not_ready = _node_model("ip-10-0-1-5.ec2.internal", instance_id, ready=False)
    not_ready.metadata.annotations = worker.metadata.annotations
    said, over = nodes.heal_node(_Nodes([not_ready]), action, "r1", True, session=session)
    assert over and _state(session, instance_id) in ("pending", "running"), said
    assert not {"HealthCheck", "ReplaceUnhealthy"} & _suspended(session)


def test_break_node_refuses_instances_outside_a_node_group(session):
    ec2 = session.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    worker = _node_model("ip-10-0-1-6.ec2.internal", instance_id)
    with pytest.raises(nodes.KitError, match="not in an EKS managed node group"):
        nodes.break_node(_Nodes([worker]), None, True, "r1", CLUSTER, session=session)
    assert _state(session, instance_id) == "running"


def test_break_node_refuses_another_clusters_instance(session):
    instance_id = node_group_instance(session)
    worker = _node_model("ip-10-0-1-5.ec2.internal", instance_id)
    with pytest.raises(nodes.KitError, match="not the stack's other-cluster"):
        nodes.break_node(_Nodes([worker]), None, True, "r1", "other-cluster", session=session)
    assert _state(session, instance_id) == "running" and not _suspended(session)
