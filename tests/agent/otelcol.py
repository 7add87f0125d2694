"""Run the kit's collector distribution (`make otelcol`) on configs exactly as a pod gets them.

A collector container's config is the ConfigMap its volume mounts, its env vars are what the pod
spec sets (downward API values resolved as the kubelet would, an absent label as ""), its flags
are the container's args. Components whose module cannot be built here (agent/distribution.py
NOT_BUILDABLE) are swapped for OTLP stand-ins of the same kind, so the binary still checks
everything else; `validate()` returns the swapped ids so a test can say so.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from agent import distribution
from agent.contrib_components import derive_types
from agent.k8s import CONFIG_DIR
from agent.validate import component_type
from tests.helpers import require_tool

NODE_NAME = "ip-10-0-1-23.ap-northeast-1.compute.internal"
POD_IP = "10.0.1.57"
POD_UID = "5d7c9a58-7a8e-4d0c-9a53-3c1f0f1e2b11"
TIMEOUT_SECONDS = 60

# Types (and deprecated aliases) of the modules this machine cannot build.
NOT_BUILT_TYPES = frozenset(t for m in distribution.NOT_BUILDABLE for t in derive_types(m))
NOT_BUILT_DIRS = frozenset(m.rsplit("/", 1)[-1] for m in distribution.NOT_BUILDABLE)
STAND_INS = {
    "receivers": ("otlp", {"protocols": {"grpc": {"endpoint": "127.0.0.1:4317"}}}),
    "exporters": ("otlp_http", {"endpoint": "http://127.0.0.1:4318"}),
}


def collector() -> Path:
    """The built binary, or skip (fail under KIT_REQUIRE_TOOLS=1) saying how to build it."""
    binary = distribution.binary()
    require_tool(binary, "the kit's collector", "run `make otelcol` (needs Go 1.26+)")
    return binary


@dataclass
class CollectorPod:
    """One collector container of a workload: where it runs and what it is given."""

    workload: str
    namespace: str
    config: str  # relay.yaml as the ConfigMap holds it
    env: dict[str, str]
    args: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    container: dict = field(default_factory=dict)  # as the pod spec has it
    service_account_token: bool = True  # automountServiceAccountToken
    volumes: list = field(default_factory=list)  # the pod spec's volumes


def resolve_env(
    container: dict, namespace: str, pod_name: str, labels: dict, secrets: dict
) -> dict[str, str]:
    """The container's env as the kubelet fills it in; an unknown source fails the test."""
    fields = {
        "status.podIP": POD_IP,
        "status.hostIP": "10.0.1.23",
        "spec.nodeName": NODE_NAME,
        "metadata.name": pod_name,
        "metadata.namespace": namespace,
        "metadata.uid": POD_UID,
    }
    env = {}
    for var in container.get("env", []):
        source = var.get("valueFrom")
        if source is None:
            env[var["name"]] = expand(var.get("value", ""), env)
        elif "fieldRef" in source:
            path = source["fieldRef"]["fieldPath"]
            label = re.fullmatch(r"metadata\.labels\['(.+)'\]", path)
            # The downward API gives "" for a label the pod does not have.
            env[var["name"]] = labels.get(label.group(1), "") if label else fields[path]
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            env[var["name"]] = secrets[(namespace, ref["name"])][ref["key"]]
        else:
            raise AssertionError(f"env {var['name']}: unhandled source {source}")
    return env


def expand(value: str, earlier: dict[str, str]) -> str:
    """The kubelet's $(VAR) expansion from earlier env vars; $$ escapes, unknown stays."""
    return re.sub(
        r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
        lambda m: "$" if m.group(0) == "$$" else earlier.get(m.group(1), m.group(0)),
        value,
    )


def stand_in(config_text: str) -> tuple[str, list[str]]:
    """The config with not-buildable components swapped for OTLP stand-ins, and their ids."""
    config = yaml.safe_load(config_text)
    swapped: dict[str, str] = {}
    for section, (kind, body) in STAND_INS.items():
        for cid in [c for c in config.get(section, {}) if component_type(c) in NOT_BUILT_TYPES]:
            new = f"{kind}/standin_{cid.replace('/', '_')}"
            config[section][new] = body
            del config[section][cid]
            swapped[cid] = new
    for section in ("processors", "extensions", "connectors"):
        leftover = [c for c in config.get(section) or {} if component_type(c) in NOT_BUILT_TYPES]
        assert not leftover, f"no stand-in for {section} {leftover}"
    for pipeline in config["service"]["pipelines"].values():
        for role in ("receivers", "exporters"):
            pipeline[role] = [swapped.get(c, c) for c in pipeline[role]]
    return yaml.safe_dump(config, sort_keys=False), sorted(swapped)


def buildable_args(args: list[str]) -> list[str]:
    """The container's flags for `validate`: --config is replaced by the test's file, and a
    feature gate of a module not built here (which the binary would not know) is dropped."""
    kept = []
    for arg in args:
        if arg.startswith("--config="):
            continue
        if arg.startswith("--feature-gates="):
            gates = [
                g
                for g in arg.removeprefix("--feature-gates=").split(",")
                if g.lstrip("+-").split(".")[1] not in NOT_BUILT_DIRS
            ]
            if not gates:
                continue
            arg = "--feature-gates=" + ",".join(gates)
        kept.append(arg)
    return kept


@dataclass
class Validation:
    returncode: int
    output: str  # the collector's own stderr and stdout
    stood_in: list[str]
    command: list[str]

    def describe(self, pod: CollectorPod) -> str:
        return (
            f"{pod.namespace}/{pod.workload}: `{' '.join(self.command)}` exited "
            f"{self.returncode}; stand-ins for {self.stood_in or 'nothing'}\n{self.output}"
        )


def mount_volumes(config_text: str, container: dict, root: Path) -> str:
    """The pod's volumes, as directories under `root`: a component that checks its path
    (host_metrics' root_path must exist) finds it, as it would in the pod. Each mountPath in
    the config is pointed at its directory; the config mount itself is the test's file."""
    for mount in container.get("volumeMounts", []):
        path = mount["mountPath"]
        if path == CONFIG_DIR:
            continue
        local = root / path.lstrip("/")
        local.mkdir(parents=True, exist_ok=True)
        config_text = re.sub(
            rf"(?<![\w/]){re.escape(path)}(?=/|\s|$|\"|')", str(local), config_text
        )
    return config_text


# What the kubelet gives every pod besides its spec: the API server's address and, unless
# automountServiceAccountToken is false, the token, CA and namespace at this fixed path, which
# kubelet_stats and k8s_attributes read (in-cluster config). Nothing listens at that address.
API_SERVER_ENV = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "9"}
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# A private mount namespace (as root, or as a user mapped to root) where a tmpfs over /var/run
# holds the service-account files; the machine's own /run is untouched.
_WITH_SA_FILES = (
    'mount -t tmpfs tmpfs /var/run && mkdir -p "$2" && cp "$1"/* "$2"/ && shift 2 && exec "$@"'
)


def service_account_files(folder: Path, namespace: str) -> Path:
    """token, ca.crt (a throwaway self-signed CA) and namespace, as the kubelet projects them."""
    from tests.tls import self_signed_ca  # cryptography loads only for the tests that need it

    ca, _ = self_signed_ca("kubernetes")
    folder.mkdir(parents=True)
    (folder / "ca.crt").write_bytes(ca)
    (folder / "token").write_text("test-token-not-valid-anywhere")
    (folder / "namespace").write_text(namespace)
    return folder


@cache
def _unshare() -> list[str] | None:
    """How to enter a private mount namespace here (root, or a user namespace), or None."""
    command = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    try:
        ok = subprocess.run([*command, "true"], capture_output=True, timeout=10).returncode == 0
    except FileNotFoundError:
        ok = False
    return command if ok else None


def in_pod_namespace(
    command: list[str], pod: CollectorPod, tmp: Path, files: Path | None = None
) -> list[str]:
    """`command` with the pod's service-account files in place, when the pod mounts them:
    `files` (a real token and CA), or a throwaway set no API server accepts."""
    if not pod.service_account_token:
        return command
    unshare = _unshare()
    require_tool(
        "unshare" if unshare else None,
        "a private mount namespace (for the pod's service-account files)",
        "run the tests as root, or allow unprivileged user namespaces (`unshare -rm true`)",
    )
    files = files or service_account_files(tmp / "serviceaccount", pod.namespace)
    script = ["sh", "-c", _WITH_SA_FILES, "sh", str(files), SA_DIR]
    return [*unshare, *script, *command]


def validate(pod: CollectorPod, binary: Path) -> Validation:
    """`<binary> validate` on the pod's config with the pod's env, volumes and flags."""
    text, stood_in = stand_in(pod.config)
    with tempfile.TemporaryDirectory() as tmp:
        text = mount_volumes(text, pod.container, Path(tmp) / "pod")
        path = Path(tmp) / "relay.yaml"
        path.write_text(text)
        command = [str(binary), "validate", f"--config={path}", *buildable_args(pod.args)]
        wrapped = in_pod_namespace(command, pod, Path(tmp))
        result = run(wrapped, {**API_SERVER_ENV, **pod.env}, tmp)
    shown = [a.replace(str(path), f"{CONFIG_DIR}/relay.yaml") for a in command]
    return Validation(result.returncode, result.stderr + result.stdout, stood_in, shown)


def run(command: list[str], env: dict[str, str], home: str) -> subprocess.CompletedProcess:
    """The collector with only the pod's env (plus PATH/HOME), bounded in time."""
    base: dict[str, Any] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}
    return subprocess.run(
        command,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
