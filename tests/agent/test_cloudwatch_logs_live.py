"""Container logs into CloudWatch Logs, live: the eks node agent's logs pipeline as deployed (from
the offline evaluation of the eks stack), run by the real collector (`make otelcol`, whose
awscloudwatchlogs exporter is upstream's v0.156.0: agent/distribution.py BUILT_NEARBY) reading
CRI files, into moto's CloudWatch Logs in server mode, and into Loki's OTLP endpoint (a
loopback sink) at the same time.

Only what cannot run here is changed: the pipeline keeps its file_log receiver (the OTLP one is
dropped), k8s_attributes reads a loopback API server through a kubeconfig instead of the
in-cluster service account, the exporters' endpoints are moto and the sink, the pod gets fake
AWS credentials (IRSA on EKS), and ports and volumes are loopback ones and temporary folders.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.agent.collector_pods import collector_pods
from tests.agent.collector_run import TRACE_ID, Collector, app_line, cri, free_port, write
from tests.agent.emf_pipeline import FAKE_AWS_ENV, LocalCloudWatchLogs
from tests.agent.fake_apiserver import RS_HASH, FakeApiServer, Pod
from tests.agent.otelcol import NODE_NAME, buildable_args, collector, mount_volumes
from tests.agent.stacks import evaluation
from tests.helpers import quiet_for, wait_for
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = [
    pytest.mark.live,
    pytest.mark.slow,
    pytest.mark.xdist_group("test_cloudwatch_logs_live"),
]

CLOUDWATCH = "awscloudwatchlogs/application"
PODS = [
    Pod(
        "shop",
        tier,
        f"{tier}-{RS_HASH}-x{n}",
        f"{n}{n}{n}{n}0000-0000-4000-8000-00000000000{n}",
        f"10.0.1.{n}",
    )
    for n, tier in ((1, "sample-front"), (2, "sample-middle"))
]
LINES = 300  # per pod
WAIT_SECONDS = 30


def logs_pipeline(config: dict, cloudwatch: str, loki: str, root: Path, container: dict) -> dict:
    pipeline = config["service"]["pipelines"]["logs"]
    assert set(pipeline["exporters"]) == {"otlp_http/loki", CLOUDWATCH}, pipeline
    config["receivers"] = {"file_log": config["receivers"]["file_log"]}
    config["processors"] = {p: config["processors"][p] for p in pipeline["processors"]}
    config["processors"]["k8s_attributes"]["auth_type"] = "kubeConfig"
    config["exporters"] = {
        "otlp_http/loki": {**config["exporters"]["otlp_http/loki"], "endpoint": loki},
        CLOUDWATCH: {**config["exporters"][CLOUDWATCH], "endpoint": cloudwatch},
    }
    config["service"]["pipelines"] = {"logs": {**pipeline, "receivers": ["file_log"]}}
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"].update(host="127.0.0.1", port=free_port())
    return yaml.safe_load(mount_volumes(yaml.safe_dump(config), container, root))


@pytest.fixture(scope="module")
def delivered():
    """(CloudWatch settings, the events moto holds, the records the Loki sink got)."""
    binary = collector()
    (pod,) = [
        p for p in collector_pods(evaluation("eks-fargate-back")) if p.workload == "otel-node-agent"
    ]
    api = FakeApiServer(PODS, NODE_NAME)
    with (
        LocalCloudWatchLogs() as cloudwatch,
        OtlpReceiver() as loki,
        tempfile.TemporaryDirectory() as tmp,
    ):
        root = Path(tmp)
        config = logs_pipeline(
            yaml.safe_load(pod.config),
            cloudwatch.endpoint,
            loki.endpoint,
            root / "pod",
            pod.container,
        )
        settings = config["exporters"][CLOUDWATCH]
        region, group = settings["region"], settings["log_group_name"]
        cloudwatch.client(region).create_log_group(logGroupName=group)  # the stack creates it
        (root / "relay.yaml").write_text(yaml.safe_dump(config))
        env = {**pod.env, **FAKE_AWS_ENV, "MY_POD_IP": "127.0.0.1", "HOME": tmp}
        env["KUBECONFIG"] = str(api.kubeconfig(root))
        agent = Collector(binary, root / "relay.yaml", env, root / "collector.log")
        agent.command += buildable_args(pod.args)
        try:
            agent.start()
            time.sleep(1)  # past the first poll: start_at end applies only to files seen then
            for p in PODS:
                log = root / f"pod/var/log/pods/{p.namespace}_{p.name}_{p.uid}/app/0.log"
                write(log, [cri("stdout", app_line(p.deployment, i)) for i in range(LINES)])

            def counts() -> tuple[int, int]:
                events = cloudwatch.client(region).filter_log_events(logGroupName=group)["events"]
                return len(events), len(loki.logs())

            wait_for(lambda: min(counts()) >= LINES * len(PODS), WAIT_SECONDS, fail=False)
            quiet_for(1, counts)  # anything extra (a duplicate) would arrive now
            pages = cloudwatch.client(region).get_paginator("filter_log_events")
            events = [e for page in pages.paginate(logGroupName=group) for e in page["events"]]
            yield settings, events, loki.logs(), (root / "collector.log").read_text()
        finally:
            agent.stop()
            api.close()


def test_every_container_line_reaches_cloudwatch_once_in_the_nodes_stream(delivered):
    settings, events, _, log = delivered
    assert len(events) == LINES * len(PODS), log[-3000:]
    assert {e["logStreamName"] for e in events} == {NODE_NAME}  # ${env:K8S_NODE_NAME}
    # where the Container Insights console looks: /aws/containerinsights/<cluster>/application
    assert settings["log_group_name"] == "/aws/containerinsights/o11y-kit-eks/application"
    messages = [json.loads(e["message"]) for e in events]
    seqs = {}
    for m in messages:
        seqs.setdefault(m["resource"]["k8s.pod.name"], []).append(int(m["attributes"]["seq"]))
    assert {pod: sorted(s) for pod, s in seqs.items()} == {p.name: list(range(LINES)) for p in PODS}


def test_each_cloudwatch_event_carries_its_pod_deployment_severity_and_trace(delivered):
    _, events, _, _ = delivered
    message = json.loads(events[0]["message"])
    resource, attributes = message["resource"], message["attributes"]
    pod = next(p for p in PODS if p.name == resource["k8s.pod.name"])
    assert resource["k8s.namespace.name"] == "shop" and resource["k8s.container.name"] == "app"
    assert resource["k8s.deployment.name"] == pod.deployment == resource["service.name"]
    assert resource["k8s.node.name"] == NODE_NAME
    assert attributes["level"] == "info" and attributes["log.iostream"] == "stdout"
    assert message["severity_text"] == "info" and message["severity_number"] == 9
    assert message["trace_id"] == TRACE_ID
    assert json.loads(message["body"])["seq"] == attributes["seq"]


def test_loki_gets_the_same_lines_alongside(delivered):
    _, events, loki, _ = delivered
    assert len(loki) == len(events)
