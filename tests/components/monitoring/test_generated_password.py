"""The Grafana password's dynamic provider: what it creates, when it asks for a replacement, and
that its pickled form (the `__provider` input) works where the engine uses it, in a fresh
`python -m pulumi.dynamic` started from the project root."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.generated_password import GeneratedPassword, PasswordProvider
from kit.plan import offline
from tests.helpers import ROOT, SecretOutputsMonitor, plugin_channel

ALPHANUMERIC_24 = re.compile(r"[A-Za-z0-9]{24}")
URN = f"urn:pulumi:test::o11y-kit::{offline.GENERATED_PASSWORD}::grafana-password"


def _env() -> dict[str, str]:
    """The environment of a provider process: the project is importable only from its cwd."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_create_gives_24_letters_and_digits_new_each_time():
    provider = PasswordProvider()
    created = [provider.create({"length": 24}) for _ in range(50)]
    results = [c.outs["result"] for c in created]
    assert all(ALPHANUMERIC_24.fullmatch(r) for r in results)
    assert len(set(results)) == len(results)
    assert len({c.id for c in created}) == len(created)
    # 1200 draws from the whole alphabet: missing a character is ~1e-7 likely.
    assert len(set("".join(results))) == 62
    assert created[0].outs["length"] == 24


def test_the_same_length_is_no_change_and_another_length_a_replacement():
    provider = PasswordProvider()
    olds = provider.create({"length": 24}).outs
    # As the engine hands them over: numbers as floats, the old outputs with the result.
    same = provider.diff("id", {**olds, "length": 24.0}, {"length": 24.0})
    assert (same.changes, same.replaces) == (False, None)
    longer = provider.diff("id", olds, {"length": 32.0})
    assert (longer.changes, longer.replaces) == (True, ["length"])


def test_the_provider_pickles_by_reference_to_the_same_bytes_every_time():
    """The bytes are an input of the resource: any drift would show on every preview."""
    serialized = serialize_provider(PasswordProvider())
    assert serialized == serialize_provider(PasswordProvider())
    assert len(serialized) < 200  # module and class name, no captured code or globals


@pytest.mark.live
def test_the_pickled_provider_creates_in_a_fresh_interpreter_at_the_project_root():
    """What `python -m pulumi.dynamic` does with `__provider` (its get_provider), run in a
    process that never imported the kit."""
    code = (
        "import base64, sys, dill\n"
        "from pulumi.runtime._serialization import _deserialize\n"
        "provider = _deserialize(lambda: dill.loads(base64.b64decode(sys.argv[1])))\n"
        "print(provider.create({'length': 24.0}).outs['result'])\n"
    )
    serialized = serialize_provider(PasswordProvider())
    run = subprocess.run(
        [sys.executable, "-c", code, serialized],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert ALPHANUMERIC_24.fullmatch(run.stdout.strip())


def test_the_resource_keeps_its_result_secret_and_sends_the_deterministic_provider():
    monitor = SecretOutputsMonitor()

    def program():
        password = GeneratedPassword("grafana-password", length=24)
        pulumi.export("result", password.result)

    ev = offline.evaluate("local", monitor=monitor, program=program)
    (registered,) = ev.of_type(offline.GENERATED_PASSWORD)
    assert monitor.secret_outputs[offline.GENERATED_PASSWORD] == ["result"]
    assert registered.inputs["length"] == 24
    provider = registered.inputs[PROVIDER_KEY]
    assert isinstance(provider, offline.Secret)  # the SDK's default for `__provider`
    assert provider.value == serialize_provider(PasswordProvider())


@pytest.fixture(scope="module")
def dynamic_provider():
    """`python -m pulumi.dynamic` as the CLI's pulumi-resource-pulumi-python script starts it,
    from the project root: it prints its port and serves the ResourceProvider protocol."""
    command = [sys.executable, "-u", "-m", "pulumi.dynamic"]
    with plugin_channel(command, ROOT, _env()) as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Configure(provider_pb2.ConfigureRequest(args=struct_pb2.Struct()), timeout=30)
        yield stub


def _struct(props: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(props)
    return message


@pytest.mark.live
def test_the_real_provider_process_creates_once_and_then_reports_no_change(dynamic_provider):
    news = _struct({"length": 24, PROVIDER_KEY: serialize_provider(PasswordProvider())})
    checked = dynamic_provider.Check(
        provider_pb2.CheckRequest(urn=URN, olds=_struct({}), news=news), timeout=30
    )
    assert list(checked.failures) == []
    created = dynamic_provider.Create(
        provider_pb2.CreateRequest(urn=URN, properties=checked.inputs), timeout=30
    )
    state = dict(created.properties)
    assert ALPHANUMERIC_24.fullmatch(state["result"])
    assert state["length"] == 24

    def diff(inputs: struct_pb2.Struct) -> provider_pb2.DiffResponse:
        request = provider_pb2.DiffRequest(
            id=created.id, urn=URN, olds=created.properties, news=inputs
        )
        return dynamic_provider.Diff(request, timeout=30)

    again = diff(checked.inputs)  # the next `pulumi up` of the same program
    assert again.changes == provider_pb2.DiffResponse.DIFF_NONE
    longer = diff(_struct({**dict(checked.inputs), "length": 32}))
    assert longer.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(longer.replaces) == ["length"]
