"""One awsemf pipeline of a deployed collector config, run by the real collector (`make otelcol`)
into a local CloudWatch Logs (moto in server mode), and the EMF documents it wrote, read back.

Only what cannot run here is changed: the pipeline's receivers become one OTLP/gRPC receiver on
loopback (the test feeds it what the real receivers emit), awsemf's `endpoint` points at moto,
the pod gets fake AWS credentials (on EKS they come from IRSA), ports are free loopback ones and
the pod's volumes temporary folders. Everything else (processors, the exporter's settings, the
pod's env and flags) is the deployed config's.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import yaml
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc

from agent.validate import component_type
from tests.agent.collector_run import Collector, free_port
from tests.agent.otelcol import CollectorPod, buildable_args, collector, mount_volumes
from tests.helpers import quiet_for, wait_for

WAIT_SECONDS = 25
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "not-a-real-secret-key-for-moto-only",
    # No instance metadata here: the SDK must not wait for it.
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class EmfEvent:
    """One CloudWatch Logs event awsemf wrote: its stream and parsed EMF document."""

    log_stream: str
    document: dict

    def extracted(self) -> set[tuple[str, str, frozenset[str]]]:
        """(namespace, metric name, dimension set) CloudWatch extracts from this document."""
        directives = self.document.get("_aws", {}).get("CloudWatchMetrics", [])
        return {
            (directive["Namespace"], metric["Name"], frozenset(dimensions))
            for directive in directives
            for dimensions in directive["Dimensions"]
            for metric in directive["Metrics"]
        }


class LocalCloudWatchLogs:
    """moto's CloudWatch Logs on a free loopback port, reset between runs."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def __enter__(self) -> LocalCloudWatchLogs:
        self._server.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop()

    def client(self, region: str):
        import boto3

        return boto3.client(
            "logs",
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(
            urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"), timeout=10
        ).close()

    def events(self, region: str, log_group: str) -> list[EmfEvent]:
        logs = self.client(region)
        found = []
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=log_group):
            found += [
                EmfEvent(e["logStreamName"], json.loads(e["message"])) for e in page["events"]
            ]
        return found


def emf_exporter(config: dict, pipeline: str) -> str:
    (exporter,) = config["service"]["pipelines"][pipeline]["exporters"]
    assert component_type(exporter) == "awsemf", exporter
    return exporter


def single_pipeline_config(pod: CollectorPod, pipeline: str, endpoint: str, root: Path) -> dict:
    """The pod's config reduced to `pipeline`, fed by OTLP on loopback, exporting to `endpoint`."""
    config = yaml.safe_load(pod.config)
    kept = config["service"]["pipelines"][pipeline]
    exporter = emf_exporter(config, pipeline)
    otlp = f"127.0.0.1:{free_port()}"
    config["receivers"] = {"otlp": {"protocols": {"grpc": {"endpoint": otlp}}}}
    config["processors"] = {p: config["processors"][p] for p in kept["processors"]}
    config["exporters"] = {exporter: {**config["exporters"][exporter], "endpoint": endpoint}}
    config.pop("connectors", None)
    config["service"]["pipelines"] = {pipeline: {**kept, "receivers": ["otlp"]}}
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"]["port"] = free_port()
    text = mount_volumes(yaml.safe_dump(config, sort_keys=False), pod.container, root)
    return yaml.safe_load(text)


def send(otlp_endpoint: str, request: metrics_service_pb2.ExportMetricsServiceRequest) -> None:
    with grpc.insecure_channel(otlp_endpoint) as channel:
        metrics_service_pb2_grpc.MetricsServiceStub(channel).Export(request, timeout=10)


@contextmanager
def running(pod: CollectorPod, config: dict, root: Path) -> Iterator[Collector]:
    path = root / "relay.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    env = {**pod.env, **FAKE_AWS_ENV, "MY_POD_IP": "127.0.0.1", "HOME": str(root)}
    agent = Collector(collector(), path, env, root / "collector.log")
    agent.command += buildable_args(pod.args)
    agent.start()
    try:
        yield agent
    finally:
        agent.stop()


def run_pipeline(
    cloudwatch: LocalCloudWatchLogs,
    pod: CollectorPod,
    pipeline: str,
    request: metrics_service_pb2.ExportMetricsServiceRequest,
    expected_events: int,
    change: Callable[[dict], None] = lambda config: None,
) -> tuple[dict, list[EmfEvent], str]:
    """Feed `request` to the pod's `pipeline` (after `change` to its config, to break it on
    purpose) and wait for `expected_events` EMF events: (awsemf settings, events, collector log).
    The log group exists beforehand, as the stack creates it
    (components/platforms/eks/workspace.py)."""
    cloudwatch.reset()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = single_pipeline_config(pod, pipeline, cloudwatch.endpoint, root / "pod")
        change(config)
        settings = config["exporters"][emf_exporter(config, pipeline)]
        region, group = settings["region"], settings["log_group_name"]
        cloudwatch.client(region).create_log_group(logGroupName=group)
        with running(pod, config, root) as agent:
            send(config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"], request)

            def count() -> int:
                return len(cloudwatch.events(region, group))

            wait_for(lambda: count() >= expected_events, WAIT_SECONDS, every=0.2, fail=False)
            quiet_for(1, count)  # anything beyond what was expected would arrive now
            events = cloudwatch.events(region, group)
            log = agent.log.read_text()
    return settings, events, log
