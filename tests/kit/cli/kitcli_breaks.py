"""What `kit break` and `kit heal` run against in the tests: a stack whose outputs and state a
stand-in `pulumi` prints, stand-in `docker`/`az` binaries that record their arguments, and a
remembering Kubernetes API (kitcli_memory_api.py) holding the kit's namespace."""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.kit.cli.kitcli_cluster import NS, deployment, namespace
from tests.kit.cli.kitcli_memory_api import MemoryApi

NAMESPACE_UID = "3f0c8e9a-5b8e-4d52-9a53-6d1f5b0e7c11"  # what the stack's `up` created
EKS_TYPE = "aws:eks/cluster:Cluster"


@dataclass
class Stack:
    """The stand-in tools' folder; what they print and what they were asked."""

    bin_dir: Path

    def say(self, outputs: dict, resources: list[dict]) -> None:
        """What `pulumi stack output` and `pulumi stack export` print from now on."""
        (self.bin_dir / "outputs.json").write_text(json.dumps(outputs))
        state = {"version": 3, "deployment": {"resources": resources}}
        (self.bin_dir / "state.json").write_text(json.dumps(state))

    def calls(self, tool: str) -> list[list[str]]:
        log = self.bin_dir / f"{tool}.calls"
        return [shlex.split(line) for line in log.read_text().splitlines()] if log.exists() else []


def install(tmp_path: Path, monkeypatch) -> Stack:
    """`pulumi`, `docker` and `az` on PATH; break records in tmp_path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(
        "#!/bin/sh\n"
        f'case "$2" in output) cat {bin_dir}/outputs.json;; export) cat {bin_dir}/state.json;; '
        "*) exit 1;; esac\n"
    )
    for tool in ("docker", "az"):  # record the arguments, quoted, one call a line
        (bin_dir / tool).write_text(
            f'#!/bin/sh\nfor a in "$@"; do printf "%s " "\'$a\'"; done >> {bin_dir}/{tool}.calls\n'
            f"echo >> {bin_dir}/{tool}.calls\n"
        )
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("PULUMI", str(bin_dir / "pulumi"))
    monkeypatch.setenv("KIT_BREAKS_DIR", str(tmp_path / "breaks"))
    return Stack(bin_dir)


def namespace_resource(uid: str = NAMESPACE_UID) -> dict:
    """The monitoring namespace as `pulumi stack export` lists it."""
    return {
        "urn": "urn:pulumi:s::o11y-kit::o11y-kit:core:Namespaces$kubernetes:core/v1:Namespace::n",
        "custom": True,
        "type": "kubernetes:core/v1:Namespace",
        "outputs": {"metadata": {"name": NS["monitoring"], "uid": uid}},
    }


def eks_resource(endpoint: str, cluster: str) -> dict:
    arn = f"arn:aws:eks:us-east-1:123456789012:cluster/{cluster}"
    return {"type": EKS_TYPE, "custom": True, "outputs": {"arn": arn, "endpoint": endpoint}}


def cluster_api(nodes: list[dict], uid: str = NAMESPACE_UID, env: list | None = None) -> MemoryApi:
    """The kit's namespaces (monitoring with `uid`), these nodes, and sample-back."""
    monitoring = namespace(NS["monitoring"])
    monitoring["metadata"]["uid"] = uid
    return MemoryApi(
        [
            ("/api/v1/namespaces", monitoring),
            *[("/api/v1/nodes", n) for n in nodes],
            (
                f"/apis/apps/v1/namespaces/{NS['app']}/deployments",
                deployment("sample-back", NS["app"], env=env),
            ),
        ]
    )


def annotations(api: MemoryApi, path: str) -> dict:
    return api.get(path)["metadata"].get("annotations") or {}
