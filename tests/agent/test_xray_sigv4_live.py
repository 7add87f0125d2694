"""Spans to X-Ray over OTLP with SigV4, live: the eks Fargate gateway's traces pipeline as
deployed (offline evaluation of the eks stack), run by the real collector (`make otelcol`),
exporting to a loopback stand-in of the endpoint that keeps the request as received.

Only what cannot run here is changed: the X-Ray exporter's `traces_endpoint` points at the
stand-in (plain HTTP on loopback), the receiver is one OTLP/gRPC port on loopback, the other
trace exporter (Tempo) is left out, the pod's credentials are static fake keys (IRSA on EKS,
tests/agent/collector_pods.py), ports and volumes are loopback ones and temporary folders. The
signature is then recomputed with botocore's SigV4Auth, not the collector's signer.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import grpc
import pytest
import yaml
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2

from agent.labels import FARGATE_GATEWAY
from components.platforms.eks.exporters import XRAY_AUTH, XRAY_EXPORTER, xray_traces_endpoint
from tests.agent.collector_pods import IRSA_CREDENTIALS, collector_pods
from tests.agent.collector_run import SPAN_ID, TRACE_ID, Collector, free_port
from tests.agent.otelcol import buildable_args, collector, mount_volumes
from tests.agent.stacks import evaluation
from tests.agent.xray_endpoint import XrayEndpoint
from tests.helpers import wait_for

pytestmark = pytest.mark.live

WAIT_SECONDS = 30  # the queue's batch waits up to its flush_timeout for more spans
SPAN_NAME = "GET /checkout"


def _gateway():
    pods = collector_pods(evaluation("eks-fargate-back"))
    (gateway,) = [p for p in pods if p.workload == FARGATE_GATEWAY]
    return gateway


def traces_to(endpoint: str, config: dict, container: dict, root: Path) -> dict:
    """The gateway's traces pipeline with only the X-Ray exporter, its endpoint moved."""
    pipeline = config["service"]["pipelines"]["traces"]
    assert XRAY_EXPORTER in pipeline["exporters"], pipeline
    exporter = config["exporters"][XRAY_EXPORTER]
    receiver = {"grpc": {"endpoint": f"127.0.0.1:{free_port()}"}}
    config["receivers"] = {"otlp": {"protocols": receiver}}
    config["processors"] = {p: config["processors"][p] for p in pipeline["processors"]}
    config["exporters"] = {XRAY_EXPORTER: {**exporter, "traces_endpoint": endpoint}}
    config["service"]["pipelines"] = {
        "traces": {**pipeline, "receivers": ["otlp"], "exporters": [XRAY_EXPORTER]}
    }
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"].update(host="127.0.0.1", port=free_port())
    return yaml.safe_load(mount_volumes(yaml.safe_dump(config), container, root))


def one_span() -> trace_service_pb2.ExportTraceServiceRequest:
    now = time.time_ns()
    span = trace_pb2.Span(
        trace_id=bytes.fromhex(TRACE_ID),
        span_id=bytes.fromhex(SPAN_ID),
        name=SPAN_NAME,
        kind=trace_pb2.Span.SPAN_KIND_SERVER,
        start_time_unix_nano=now - 20_000_000,
        end_time_unix_nano=now,
    )
    return trace_service_pb2.ExportTraceServiceRequest(
        resource_spans=[trace_pb2.ResourceSpans(scope_spans=[trace_pb2.ScopeSpans(spans=[span])])]
    )


@pytest.fixture(scope="module")
def exported():
    """(the deployed gateway config, the requests the stand-in received)."""
    binary = collector()
    gateway = _gateway()
    deployed = yaml.safe_load(gateway.config)
    with XrayEndpoint() as xray, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = traces_to(
            f"{xray.url}/v1/traces", yaml.safe_load(gateway.config), gateway.container, root / "pod"
        )
        (root / "relay.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        env = {
            **gateway.env,
            "MY_POD_IP": "127.0.0.1",
            "HOME": str(root),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        agent = Collector(binary, root / "relay.yaml", env, root / "collector.log")
        agent.command += buildable_args(gateway.args)
        agent.start()
        try:
            receiver = config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
            with grpc.insecure_channel(receiver) as channel:
                trace_service_pb2_grpc.TraceServiceStub(channel).Export(one_span(), timeout=10)
            wait_for(lambda: xray.received, WAIT_SECONDS, lambda: agent.log.read_text())
        finally:
            agent.stop()
    return deployed, list(xray.received)


def test_the_request_goes_to_v1_traces_signed_for_xray_in_the_stack_region(exported):
    deployed, received = exported
    region = deployed["extensions"][XRAY_AUTH]["region"]
    assert deployed["exporters"][XRAY_EXPORTER]["traces_endpoint"] == xray_traces_endpoint(region)
    request = received[0]
    assert (request.method, request.path) == ("POST", "/v1/traces")
    auth = request.authorization()
    assert (auth["service"], auth["region"]) == ("xray", region)
    assert auth["key"] == IRSA_CREDENTIALS["AWS_ACCESS_KEY_ID"]
    assert auth["date"] == request.headers["x-amz-date"][:8]


def test_botocore_computes_the_same_signature(exported):
    _, received = exported
    request = received[0]
    expected = request.botocore_signature(
        IRSA_CREDENTIALS["AWS_ACCESS_KEY_ID"], IRSA_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    )
    assert request.authorization()["signature"] == expected
    signed = request.authorization()["signed"].split(";")
    assert {"host", "x-amz-date", "content-type"} <= set(signed), signed


def test_a_changed_body_no_longer_verifies(exported):
    """The check can fail: one byte more in the body and botocore's signature differs."""
    _, received = exported
    request = received[0]
    tampered = type(request)(request.method, request.path, request.headers, request.body + b"\0")
    keys = (IRSA_CREDENTIALS["AWS_ACCESS_KEY_ID"], IRSA_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    assert tampered.botocore_signature(*keys) != request.authorization()["signature"]


def test_the_payload_is_the_span_as_otlp(exported):
    """In a form the endpoint takes: binary protobuf, gzip or no compression."""
    _, received = exported
    for request in received:
        assert request.headers["content-type"] == "application/x-protobuf"
        assert request.headers.get("content-encoding", "identity") in ("gzip", "identity")
    spans = [
        span
        for request in received
        for resource in request.export_request().resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert [(s.trace_id.hex(), s.span_id.hex(), s.name) for s in spans] == [
        (TRACE_ID, SPAN_ID, SPAN_NAME)
    ]
