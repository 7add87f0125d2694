"""Stand-in `docker` and `kind` programs for the local-cluster tests: small shell scripts on PATH
that record every call in one file and keep the clusters they "created" in a state folder (a
line per cluster in `clusters`, a file per control-plane container holding its id)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FAKE_KIND = """#!/bin/sh
echo "kind $*" >> "$FAKE_CALLS"
state="$FAKE_STATE"
action="$1"
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift ;;
    --config) config="$2"; shift ;;
    --kubeconfig) kubeconfig="$2"; shift ;;
  esac
  shift
done
case "$action" in
  version) echo "kind v${FAKE_KIND_VERSION:-0.32.0} go1.26.5 linux/amd64" ;;
  get) [ -s "$state/clusters" ] && cat "$state/clusters" || echo "No kind clusters found." >&2 ;;
  create)
    [ -e "$state/create-fails" ] && { echo "ERROR: failed to create cluster" >&2; exit 1; }
    cp "$config" "$state/config.yaml"
    echo "$name" >> "$state/clusters"
    echo "id-of-$name" > "$state/container-$name-control-plane"
    printf 'apiVersion: v1\\nkind: Config\\ncurrent-context: kind-%s\\n' "$name" > "$kubeconfig"
    ;;
  delete)
    grep -vx "$name" "$state/clusters" > "$state/clusters.left"
    mv "$state/clusters.left" "$state/clusters"
    rm -f "$state/container-$name-control-plane"
    ;;
esac
"""

FAKE_DOCKER = """#!/bin/sh
echo "docker $*" >> "$FAKE_CALLS"
case "$1" in
  info)
    [ -e "$FAKE_STATE/docker-down" ] && {
      echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1; }
    echo 27.3.1 ;;
  inspect)
    for last; do :; done
    cat "$FAKE_STATE/container-$last" 2>/dev/null || {
      echo "Error: No such object: $last" >&2; exit 1; } ;;
esac
"""


@dataclass
class Machine:
    """The test's PATH folder, the stand-ins' state and call log."""

    bin: Path
    state: Path
    calls_file: Path

    def calls(self) -> list[str]:
        return self.calls_file.read_text().splitlines() if self.calls_file.exists() else []

    def clusters(self) -> list[str]:
        listed = self.state / "clusters"
        return listed.read_text().split() if listed.exists() else []

    def add_cluster(self, name: str, container: str) -> None:
        with (self.state / "clusters").open("a") as listed:
            listed.write(f"{name}\n")
        (self.state / f"container-{name}-control-plane").write_text(f"{container}\n")


def install(folder: Path, docker: bool = True, kind: bool = True) -> Machine:
    """The stand-ins under `folder`; with docker/kind False that program is absent from PATH."""
    machine = Machine(folder / "bin", folder / "state", folder / "calls")
    machine.bin.mkdir(parents=True)
    machine.state.mkdir()
    for name, script, wanted in (("docker", FAKE_DOCKER, docker), ("kind", FAKE_KIND, kind)):
        if wanted:
            (machine.bin / name).write_text(script)
            (machine.bin / name).chmod(0o755)
    return machine


def environment(machine: Machine, tmp_path: Path, releases: str) -> dict[str, str]:
    """PATH with the stand-ins and the shell's own tools only, no kube context, and the kit's
    record, tools and kind releases in the test's folders."""
    return {
        "PATH": f"{machine.bin}:/usr/bin:/bin",
        "FAKE_CALLS": str(machine.calls_file),
        "FAKE_STATE": str(machine.state),
        "KUBECONFIG": str(tmp_path / "no-kubeconfig"),
        "KIT_CLUSTERS_DIR": str(tmp_path / "clusters"),
        "KIT_TOOLS_DIR": str(tmp_path / "tools"),
        "KIT_KIND_RELEASES": releases,
        "HOME": str(tmp_path / "home"),
        **{k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "SYSTEMROOT")},
    }
