"""Evaluate the Pulumi program offline, under Pulumi mocks, and record what it registers.

The same engine serves `python -m kit plan` and the tests (tests/conftest.py), so what the
tests assert on is exactly what `plan` writes out. Mocked outputs are camelCase, as the real
providers return them, and realistic enough for the program's own `apply`s to run.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as runtime_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.platforms import offline_parts
from components.settings import PROJECT, SECRET_KEYS
from kit import stackfile

ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = ROOT / "stacks"

# The type of components/generated_password.py's dynamic resource.
GENERATED_PASSWORD = "pulumi-python:dynamic:GeneratedPassword"

# What the cloud assigns stands in as values no one can mistake for real ones (they reach
# outputs.json): an address from the documentation range (RFC 5737) here, and each platform's
# own in its offline_outputs module.
OFFLINE_IP = "203.0.113.10"
OFFLINE_SECRET = "offline-secret-value"  # what a `secure:` stack value reads as offline


@dataclass
class Registered:
    """One resource as the engine saw it: type, name, parent URN and inputs."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    provider: str  # provider reference "urn::id"; empty for components
    dependencies: list[str] = field(default_factory=list)
    # What the resource passed to `register_outputs` (components); None if it never called it.
    registered_outputs: dict[str, Any] | None = None


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers registrations and invokes with realistic outputs, remembering every invoke."""

    def __init__(self) -> None:
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self.invoke_providers: list[tuple[str, str]] = []  # (token, provider reference)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        outputs = {**args.inputs, **_computed_outputs(args.typ, args.name, args.inputs)}
        return outputs.get("id", f"{args.name}-id"), outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.invokes.append((args.token, dict(args.args)))
        self.invoke_providers.append((args.token, args.provider or ""))
        return _invoke_result(args.token, args.args)


class RecordingMonitor(runtime_mocks.MockMonitor):
    """A MockMonitor that also keeps each resource's parent and dependencies, and what each
    component hands to `register_outputs` (the engine's RegisterResourceOutputs call)."""

    def __init__(self, mocks: RecordingMocks):
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registered.append(
                Registered(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    inputs=_mark_secrets(rpc.deserialize_properties(request.object)),
                    outputs=self.resources[response.urn].state,
                    provider=request.provider,
                    dependencies=list(request.dependencies),
                )
            )
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - gRPC method name
        outputs = _mark_secrets(rpc.deserialize_properties(request.outputs))
        for resource in self.registered:
            if resource.urn == request.urn:
                resource.registered_outputs = outputs
        return super().RegisterResourceOutputs(request)


@dataclass
class Evaluation:
    """Everything one offline run of the program produced."""

    stack: str
    resources: list[Registered]
    invokes: list[tuple[str, dict[str, Any]]]
    outputs: dict[str, Any]
    result: Any = None  # what a test program returned
    invoke_providers: list[tuple[str, str]] = field(default_factory=list)  # "" = default

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]


def stack_config(
    stack: str, overrides: Mapping[str, Any] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The stack file's values as the Pulumi CLI hands them to a program (`project:key` -> str,
    structured values JSON-encoded), and which keys are secret.

    Encrypted values (`secure:`) cannot be decrypted offline and stand in as a fixed string;
    overrides of the keys the kit wants secret are treated as `pulumi config set --secret`.
    """
    stack_file = stackfile.read(stack)
    values: dict[str, Any] = dict(stack_file.config)
    secret = list(stack_file.secret)
    values.update({k: OFFLINE_SECRET for k in secret})
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        values[full] = value
        if full.removeprefix(f"{PROJECT}:") in SECRET_KEYS:
            secret.append(full)
    config = {
        k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items() if v is not None
    }
    return config, secret


def stacks() -> list[Path]:
    """Every stack file in stacks/."""
    return [stackfile.path_of(name) for name in stackfile.names()]


def evaluate(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    monitor: RecordingMonitor | None = None,
    program: Callable[[], Any] | None = None,
) -> Evaluation:
    """Run __main__.py (or `program`, e.g. one component in a test) for `stack` under mocks and
    wait until every registration has landed; a program's return value lands in `.result`.

    Pass your own `monitor` to see what was registered even when the program raises.
    """
    monitor = monitor or RecordingMonitor(RecordingMocks())
    mocks = monitor.mocks
    config, secret_keys = stack_config(stack, overrides)
    pulumi.runtime.set_all_config(config, secret_keys)
    settings.set_root_resource(None)  # a fresh root stack per evaluation
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    settings.SETTINGS.rpc_manager.clear()
    main = str(ROOT / "__main__.py")
    result: dict[str, Any] = {}

    def run() -> None:
        result["value"] = program() if program else runpy.run_path(main, run_name="__main__")

    _sync_await(run_pulumi_func(run))
    outputs = _resolve(settings.get_root_resource().outputs)
    return Evaluation(
        stack,
        monitor.registered,
        mocks.invokes,
        outputs,
        result.get("value"),
        mocks.invoke_providers,
    )


@atexit.register
def _close_loops() -> None:
    """Close the event loops the evaluations ran on (Pulumi's _sync_await makes one per thread
    that needs one, its executor threads included) while the interpreter is still whole: left
    to the garbage collector at exit, a loop's close finds its socket already gone and prints a
    traceback after `plan failed: ...` (seen about one run in three)."""
    for loop in [o for o in gc.get_objects() if isinstance(o, asyncio.BaseEventLoop)]:
        if not loop.is_closed() and not loop.is_running():
            loop.close()


def resolve(value: Any) -> Any:
    """The plain value of an Output (or a plain input) once an evaluation has finished."""
    return _sync_await(pulumi.Output.from_input(value).future())


def _resolve(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Stack outputs as plain values; secrets wrapped so nobody prints them by accident."""
    resolved = {}
    for name, value in outputs.items():
        output = pulumi.Output.from_input(value)
        plain = _sync_await(output.future())
        resolved[name] = Secret(plain) if _sync_await(output.is_secret()) else plain
    return resolved


@dataclass(frozen=True)
class Secret:
    """A secret stack output: shown as [secret] unless `.value` is read on purpose."""

    value: Any

    def __repr__(self) -> str:
        return "[secret]"


def _mark_secrets(value: Any) -> Any:
    """Replace the wire format of secret values with Secret(...), so tests can assert on
    secret-ness and `plan` can redact them; and give whole numbers back their int type (the
    wire carries every number as a double, and `containerPort: 8888.0` is not something
    `kubectl apply` accepts for an int32 field)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:  # noqa: SLF001
            return Secret(_mark_secrets(value["value"]))
        return {k: _mark_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_secrets(v) for v in value]
    return value


def _computed_outputs(typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs a real provider computes, for the types whose outputs the program reads."""
    for offline in offline_parts():
        found = offline.outputs(typ, name, inputs)
        if found is not None:
            return found
    if typ == "kubernetes:core/v1:Service" and inputs["spec"].get("type") == "LoadBalancer":
        return {"status": {"loadBalancer": {"ingress": [{"ip": OFFLINE_IP}]}}}
    if typ == GENERATED_PASSWORD:  # deterministic, so plans and tests compare run to run
        length = int(inputs["length"])
        return {"result": ("offline-" + name)[:length].ljust(length, "x")}
    return {}


def _invoke_result(token: str, args: Mapping[str, Any]) -> dict[str, Any]:
    for offline in offline_parts():
        found = offline.invoke(token, args)
        if found is not None:
            return found
    raise NotImplementedError(f"kit.plan.offline has no mock for invoke {token}; add one")
