"""Shared test constants and helpers (a module of its own: `conftest` names are ambiguous when
several test folders have one)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from kit.plan import helm_render, manifests, offline

ROOT = Path(__file__).resolve().parent.parent
STACK_NAMES = [p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in offline.stacks()]

# Resource types (tokens) the tests look for.
NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_PROVIDER = "pulumi:providers:kubernetes"
AKS = "azure-native:containerservice:ManagedCluster"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
EKS = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
FARGATE_PROFILE = "aws:eks/fargateProfile:FargateProfile"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"

_chart_objects: dict[tuple, list[dict]] = {}


def chart_objects(ev: offline.Evaluation) -> list[dict]:
    """Every object of every Helm release of an evaluation, as the newest supported Kubernetes
    would get them (rendered once per evaluation)."""
    key = (ev.stack, id(ev))
    if key not in _chart_objects:
        newest = manifests.supported_versions()[1]
        _chart_objects[key] = [
            obj
            for release in ev.of_type(helm_render.HELM_RELEASE)
            for obj in helm_render.render(release, (newest,)).objects
        ]
    return _chart_objects[key]


def one(evaluation: offline.Evaluation, type_: str) -> offline.Registered:
    """The single resource of a type; fails with the names found if there is not exactly one."""
    found = evaluation.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
    return found[0]


class SecretOutputsMonitor(offline.RecordingMonitor):
    """Also records which outputs each registration (by type) asks the engine to encrypt in
    state: the mocks do not apply `additional_secret_outputs`, so tests look at the request."""

    def __init__(self) -> None:
        super().__init__(offline.RecordingMocks())
        self.secret_outputs: dict[str, list[str]] = {}

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        self.secret_outputs[request.type] = list(request.additionalSecretOutputs)
        return super().RegisterResource(request)


@contextmanager
def plugin_channel(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> Iterator[grpc.Channel]:
    """A Pulumi plugin as the CLI starts one: it prints its port, then serves gRPC on it."""
    server = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = int(server.stdout.readline() or 0)
        assert port, server.stderr.read().decode()[-2000:]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        server.terminate()
        server.wait(timeout=10)


def require_tool(path: Path | str | None, what: str, how_to_enable: str) -> None:
    """Skip (one line saying how to enable it) when a real consumer is not built or installed
    here; with KIT_REQUIRE_TOOLS=1 (set by .ci/run) fail instead, so CI never skips silently."""
    import os
    import shutil

    import pytest

    if path is not None and (Path(path).exists() or shutil.which(str(path))):
        return
    message = f"{what} not available: {how_to_enable}"
    if os.environ.get("KIT_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message} (KIT_REQUIRE_TOOLS=1: CI must run this test)", pytrace=False)
    pytest.skip(message)


def require_plan_tools() -> None:
    """What `python -m kit plan` runs besides Python: helm, the pinned charts, the Pod Security
    evaluator (and Node's CRD checker, which kit/plan/checks/crd_schemas.py reports itself)."""
    import os

    from kit.plan import helm_tool
    from kit.plan.checks import pod_security

    helm_path = os.environ.get("KIT_HELM") or helm_tool.INSTALLED
    require_tool(helm_path, f"helm {helm_tool.HELM_VERSION}", "run `make helm`")
    cache = helm_tool.chart_cache()
    for chart in helm_tool.CHARTS:
        require_tool(
            cache / f"{chart.name}-{chart.version}.tgz",
            f"chart {chart.name} {chart.version} in {cache}",
            "run `make charts`, or point KIT_CHART_CACHE at ../shared/charts",
        )
    require_tool(
        pod_security.EVALUATOR, "the Pod Security evaluator", "install Go >= 1.26, `make psa`"
    )


def assert_matches_golden(golden: Path, rendered: str) -> None:
    """Compare `rendered` with the golden file. With UPDATE_GOLDEN=1 the file is rewritten and
    the test then fails on purpose (a rewritten file compared with itself proves nothing; run
    again without it, after reviewing the diff). CI (CI set) refuses to rewrite."""
    import os

    import pytest

    if os.environ.get("UPDATE_GOLDEN") == "1":
        if os.environ.get("CI"):
            pytest.fail("UPDATE_GOLDEN=1 is refused when CI is set", pytrace=False)
        golden.write_text(rendered)
        pytest.fail(f"rewrote {golden.name}: review the diff, then run without UPDATE_GOLDEN")
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1 to create it"
    assert rendered == golden.read_text(), f"{golden.name} differs from the golden file"


def wait_for(
    condition: Callable[[], object],
    timeout_s: float = 10.0,
    what: str | Callable[[], str] = "condition",
    every: float = 0.05,
    fail: bool = True,
):
    """Poll until condition() is truthy and return its value: the live tests' one wait, so they
    go on as soon as what they wait for has happened. After `timeout_s` it fails naming `what`
    (a callable: called then, to show a log), or with fail=False returns the last value, for a
    caller whose own asserts say more."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            break
        time.sleep(every)
    if not value and fail:
        said = what() if callable(what) else what
        raise AssertionError(f"timed out after {timeout_s} s waiting for {said}")
    return value


def quiet_for(seconds: float, value: Callable[[], object]) -> None:
    """Watch value() for `seconds`, returning early once it changes: the time an unwanted extra
    (a duplicate, a line that must stay unread) would take to arrive. The caller's asserts then
    say what arrived."""
    first = value()
    wait_for(lambda: value() != first, seconds, every=0.05, fail=False)


@contextmanager
def moto_aws(monkeypatch, region: str) -> Iterator:
    """moto's AWS for one test: test credentials, `region` the default; yields a boto3 Session."""
    import boto3
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    with mock_aws():
        yield boto3.Session(region_name=region)
