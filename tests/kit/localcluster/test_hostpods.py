"""Which pods the host runs for real, and how their arguments change on the host."""

from __future__ import annotations

import pytest

from kit.localcluster import hostpods

OPERATOR_IMAGE = "quay.io/prometheus-operator/prometheus-operator:v0.93.1"


@pytest.mark.parametrize(
    "image",
    [
        OPERATOR_IMAGE,
        "quay.io/prometheus-operator/prometheus-operator@sha256:" + "a" * 64,
        "quay.io/prometheus-operator/prometheus-operator:v0.93.1@sha256:" + "a" * 64,
        "localhost:5000/prometheus-operator/prometheus-operator:dev",
    ],
)
def test_the_operator_image_is_recognised_whatever_its_registry_tag_or_digest(image):
    assert hostpods.image_repository(image) == "prometheus-operator/prometheus-operator"


def _pod(image: str, phase: str = "Running", deleting: bool = False) -> dict:
    meta = {"name": "p", "namespace": "ns", "uid": "u"}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-05T00:00:00Z"
    return {
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": image, "args": ["--x"]}]},
        "status": {"phase": phase},
    }


def test_only_running_operator_pods_are_run_on_the_host():
    assert hostpods.wanted(_pod(OPERATOR_IMAGE))[1] == "operator"
    assert hostpods.wanted(_pod(OPERATOR_IMAGE, phase="Pending")) is None
    assert hostpods.wanted(_pod(OPERATOR_IMAGE, deleting=True)) is None
    assert hostpods.wanted(_pod("quay.io/prometheus/prometheus:v3.5.0")) is None


def test_the_pods_own_arguments_are_kept_but_its_web_listener_moves_to_loopback():
    args = [
        "--kubelet-service=o11y-monitoring/kps-kubelet",
        "--web.enable-tls=true",
        "--web.cert-file=/cert/cert",
        "--web.key-file=/cert/key",
        "--web.listen-address=:10250",
        "--web.tls-min-version=VersionTLS13",
    ]
    got = hostpods.host_args(args, 4321)
    assert got == [
        "--kubelet-service=o11y-monitoring/kps-kubelet",
        "--web.enable-tls=false",
        "--web.listen-address=127.0.0.1:4321",
    ]
