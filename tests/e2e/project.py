"""A copy of the kit's project (what git tracks, plus the built venvs), deployed with the Pulumi
CLI built from source into its own backend, home and plugins, against the local control plane.

The copy keeps the checkout untouched: `pulumi stack select --create` writes the stack's
encryption salt into stacks/Pulumi.local.yaml, and the config changes the tests make go there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.localcluster import controlplane

ROOT = controlplane.ROOT
BIN = controlplane.BIN
CLI = ROOT / ".build" / "e2e" / "pulumi"  # laid out as Pulumi's release archives are (Makefile)
E2E_TOOLS = (
    *(BIN / t for t in controlplane.TOOLS),
    BIN / "pulumi-resource-kubernetes",
    *(CLI / t for t in ("pulumi", "pulumi-language-python", "pulumi-resource-pulumi-python")),
)
PASSPHRASE = "o11y-kit-e2e"
STACK = "local"
# The venvs `make` builds, linked into the copy (their .installed markers keep make from
# rebuilding them: the copy's files keep their modification times).
VENVS = ("venv", "policy/venv", "sample-app/.venv", "kit/crd-validate/node_modules")


def _k8s_sdk_version() -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith("pulumi-kubernetes=="):
            return line.split("==")[1].split()[0]  # before the hashes' backslash
    raise AssertionError("requirements.txt pins no pulumi-kubernetes")


@dataclass
class Project:
    dir: Path
    env: dict[str, str]
    cluster: controlplane.Cluster

    @classmethod
    def copy(cls, base: Path, cluster: controlplane.Cluster) -> Project:
        work = base / "project"
        tracked = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.decode().split("\0")  # fmt: skip
        for rel in filter(None, tracked):
            src = ROOT / rel
            if src.is_file() and not src.is_symlink():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, work / rel)
        for rel in VENVS:
            if (ROOT / rel).exists():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / rel).symlink_to(ROOT / rel)
        home = base / "pulumi-home"
        env = {
            **os.environ,
            "PATH": f"{CLI}:{ROOT / 'venv' / 'bin'}:{os.environ['PATH']}",
            "PULUMI": str(CLI / "pulumi"),
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": f"file://{base / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_DEBUG_COMMANDS": "true",  # enables --event-log (sdk/go/common/env/env.go)
            "KUBECONFIG": str(cluster.kubeconfig),
        }
        (base / "state").mkdir()
        project = cls(work, env, cluster)
        # The provider built from source, installed as the version the pip SDK asks for.
        project.pulumi(
            "plugin", "install", "resource", "kubernetes", _k8s_sdk_version(),
            "--file", str(BIN / "pulumi-resource-kubernetes"),
        )  # fmt: skip
        return project

    def run(
        self, *argv: str, check: bool = True, timeout: float = 1200
    ) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            list(argv), cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-6000:]}"
                f"\n--- stderr\n{proc.stderr[-4000:]}"
            )
        return proc

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(CLI / "pulumi"), *args, check=check)

    def make(self, target: str, *args: str) -> subprocess.CompletedProcess:
        return self.run("make", "--no-print-directory", target, f"STACK={STACK}", "YES=1", *args)

    def outputs(self) -> dict[str, Any]:
        out = self.pulumi("stack", "output", "--json", "--show-secrets", "--stack", STACK)
        return json.loads(out.stdout)

    def state(self) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "export", "--stack", STACK).stdout)

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        self.pulumi(
            "config", "set", "--stack", STACK, *(["--secret"] if secret else []), key, value
        )
