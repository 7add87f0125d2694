"""The Fargate sidecar added to an app pod spec, and what Fargate bills for the result."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from kubernetes.utils import parse_quantity

from agent.backends import Resources
from components.platforms.eks.bench_fargate_size import back_tier_pod
from components.platforms.eks.fargate_sidecar import LogChunks, add_fargate_sidecar, sidecar_config
from components.platforms.eks.fargate_sizing import FargateSize, billed_size, round_up

APP = Resources(cpu="100m", memory="128Mi")


def _pod() -> dict:
    pod = back_tier_pod(APP)
    pod["containers"][0]["args"] = ["--port", "8080"]
    pod["containers"][0]["env"] = [
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://x:4317"}
    ]
    return pod


def _container(spec: dict, name: str) -> dict:
    return next(c for c in spec["containers"] if c["name"] == name)


def test_input_pod_spec_is_not_mutated():
    pod = _pod()
    before = copy.deepcopy(pod)
    add_fargate_sidecar(pod, app_container="back")
    assert pod == before


def test_result_has_no_host_access_or_privilege():
    spec = add_fargate_sidecar(_pod(), app_container="back")
    text = json.dumps(spec)
    for forbidden in ("hostPath", "hostPort", "hostNetwork", "hostPID", "hostIPC", "privileged"):
        assert forbidden not in text, forbidden


def test_every_container_requests_exactly_its_limits():
    for container in add_fargate_sidecar(_pod(), app_container="back")["containers"]:
        assert container["resources"]["requests"] == container["resources"]["limits"]


def test_app_command_is_wrapped_and_points_otlp_at_the_sidecar():
    app = _container(add_fargate_sidecar(_pod(), app_container="back"), "back")
    assert app["command"] == [
        "/bin/bash",
        "/otel-wrapper/app-log-wrapper.sh",
        "python",
        "-m",
        "app.back",
        "--port",
        "8080",
    ]
    assert "args" not in app
    env = {e["name"]: e["value"] for e in app["env"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert [e["name"] for e in app["env"]].count("OTEL_EXPORTER_OTLP_ENDPOINT") == 1


def test_sidecar_reads_downward_api_attributes_and_listens_on_localhost_only():
    spec = add_fargate_sidecar(_pod(), app_container="back")
    env = {e["name"]: e for e in _container(spec, "otel-collector")["env"]}
    assert env["K8S_POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["K8S_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["K8S_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    assert env["APP_CONTAINER_NAME"]["value"] == "back"
    config = sidecar_config("o11y")
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"] == "127.0.0.1:4317"
    assert protocols["http"]["endpoint"] == "127.0.0.1:4318"


def test_sidecar_reads_raw_chunk_files_without_the_container_parser():
    config = sidecar_config("o11y")
    for stream in ("stdout", "stderr"):
        receiver = config["receivers"][f"file_log/{stream}"]
        assert receiver["include"] == [f"/var/log/app/{stream}.*.log"]
        assert all(op["type"] != "container" for op in receiver["operators"])
    assert list(config["exporters"]) == ["otlp_grpc/gateway"]
    gateway = config["exporters"]["otlp_grpc/gateway"]["endpoint"]
    assert gateway == "otel-fargate-gateway.o11y.svc.cluster.local:4317"


def test_log_volume_is_bounded_above_the_wrappers_worst_case():
    chunks = LogChunks(chunk_bytes=2 * 2**20, keep_chunks=3)
    spec = add_fargate_sidecar(_pod(), app_container="back", chunks=chunks)
    (volume,) = [v for v in spec["volumes"] if v["name"] == "otel-app-logs"]
    worst_case = 2 * (chunks.keep_chunks + 1) * chunks.chunk_bytes
    assert parse_quantity(volume["emptyDir"]["sizeLimit"]) > worst_case


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["containers"][0].pop("command"), "must set `command`"),
        (lambda p: p.update(volumes=[{"name": "otel-app-logs", "emptyDir": {}}]), "already has"),
        (lambda p: p["containers"][0].update(name="front"), "no container named 'back'"),
    ],
)
def test_refuses_pod_specs_it_cannot_wrap_safely(change, message):
    pod = _pod()
    change(pod)
    with pytest.raises(ValueError, match=message):
        add_fargate_sidecar(pod, app_container="back")


def test_rounding_matches_the_eks_user_guide_example():
    # "a request for 1 vCPU and 8 GB memory will have 256 MB added ... and will provision a
    # Fargate task with 2 vCPUs and 9 GB memory"
    assert round_up(Decimal(1), Decimal(8 * 1024 + 256)) == FargateSize(Decimal(2), Decimal(9))


@pytest.mark.parametrize(
    ("vcpu", "memory_mib", "expected"),
    [
        ("0.1", 384, ("0.25", "0.5")),
        ("0.25", 513, ("0.25", "1")),
        ("0.25", 2049, ("0.5", "3")),
        ("0.3", 256, ("0.5", "1")),
        ("3", 1024, ("4", "8")),
        ("8", 17 * 1024, ("8", "20")),
    ],
)
def test_rounding_picks_the_smallest_size_that_fits(vcpu, memory_mib, expected):
    size = round_up(Decimal(vcpu), Decimal(memory_mib))
    assert size == FargateSize(Decimal(expected[0]), Decimal(expected[1]))


def test_init_containers_count_only_when_larger_than_the_running_ones():
    pod = back_tier_pod(APP)
    pod["initContainers"] = [
        {"name": "migrate", "resources": {"requests": {"cpu": "1", "memory": "256Mi"}}}
    ]
    assert billed_size(pod) == FargateSize(Decimal(1), Decimal(2))


def test_back_tier_stays_in_the_quarter_vcpu_one_gb_class_with_the_sidecar():
    plain = back_tier_pod(APP)
    assert billed_size(plain) == FargateSize(Decimal("0.25"), Decimal("0.5"))
    with_sidecar = add_fargate_sidecar(plain, app_container="back")
    assert billed_size(with_sidecar) == FargateSize(Decimal("0.25"), Decimal(1))


def test_sidecar_stops_after_the_apps_grace_period_and_the_pod_waits_for_both():
    pod = _pod()
    pod["terminationGracePeriodSeconds"] = 35
    spec = add_fargate_sidecar(pod, app_container="back")
    sidecar = _container(spec, "otel-collector")
    assert sidecar["lifecycle"]["preStop"]["sleep"]["seconds"] == 35
    assert spec["terminationGracePeriodSeconds"] == 45
