"""A cluster when there is none: before `make up` of a stack on `local`, with no reachable kube
context and a working Docker, create a kind cluster for it (one control plane, two workers, the
pinned node image) and record that the kit created it; `make destroy` deletes that cluster,
and only a cluster the record and Docker both prove the kit made.

    python -m kit.cli.kind_cluster up --stack local     # before pulumi up
    python -m kit.cli.kind_cluster exec --stack local -- pulumi up ...
    python -m kit.cli.kind_cluster down --stack local   # after pulumi destroy

`exec` runs the command with KUBECONFIG set to the kit cluster's own kubeconfig when the stack
has one, so Pulumi deploys there whatever the user's current context is. A stack whose file
names a kubeconfig or context, and a reachable current context, are used as they are: the kit
then calls neither Docker nor kind. Each step is one line on stderr; a refusal is one line and
exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from components.platforms import facts
from kit import stackfile
from kit.cli import cluster_record, kind_cli
from kit.cli.errors import USAGE_OR_ENVIRONMENT, KitError
from kit.cli.pinned_download import DownloadError, one_line
from kit.cli.reachable import current_context_problem

WORKERS = 2  # the node-failure demo stops one worker; the kit's pods still fit on the other
CREATE_WAIT = "180s"  # kind create --wait: the control plane Ready before Pulumi starts
DOCKER_TIMEOUT_SECONDS = 20
INSTALL_DOCKER = "https://docs.docker.com/get-docker/"
DOCKER_MISSING = "docker: command not found"


def say(line: str) -> None:
    print(f"local-cluster: {line}", file=sys.stderr, flush=True)


def kind_config() -> dict:
    """kind's cluster config: every node on the pinned image, the default CNI (kindnet, which
    enforces the kit's NetworkPolicies) and the API server on loopback only."""
    nodes = [{"role": "control-plane"}] + [{"role": "worker"}] * WORKERS
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [{**node, "image": kind_cli.NODE_IMAGE} for node in nodes],
    }


def up(stack: str) -> None:
    if not wants_a_cluster(stack):
        return
    record = cluster_record.read(stack)
    if record is not None:
        kind = _kind()
        if _owned(record, kind):
            say(f"using kind cluster {record['cluster']}, which the kit created")
            return
    problem = current_context_problem()
    if problem is None:
        return  # a cluster answers: the kit deploys there and creates none
    docker = _docker_problem()
    if docker is not None:
        get_docker = f"install Docker ({INSTALL_DOCKER}) and start it"
        stack_file = stackfile.path_of(stack).relative_to(stackfile.ROOT)
        raise KitError(
            f"no reachable kube context ({problem}) and no Docker to create a kind cluster in "
            f"({docker}): {get_docker if docker == DOCKER_MISSING else 'start Docker'}, or "
            "choose a reachable cluster (kubectl config use-context <name>, or o11y-kit:context "
            f"in {stack_file})"
        )
    say(f"no reachable kube context ({problem}); creating a kind cluster with Docker")
    _create(stack, _kind())


def down(stack: str) -> None:
    record = cluster_record.read(stack)
    if record is None:
        return  # the kit created no cluster for this stack: nothing of the user's is touched
    kind = _kind()
    if not _owned(record, kind):
        return
    name = record["cluster"]
    say(f"deleting kind cluster {name}, which the kit created")
    _run([str(kind), "delete", "cluster", "--name", name, "--kubeconfig", record["kubeconfig"]])
    cluster_record.forget(stack)
    say(f"deleted kind cluster {name}")


def exec_with_kubeconfig(stack: str, command: list[str]) -> None:
    env = dict(os.environ)
    record = cluster_record.read(stack) if wants_a_cluster(stack) else None
    if record is not None:
        env["KUBECONFIG"] = record["kubeconfig"]
    os.execvpe(command[0], command, env)


def wants_a_cluster(stack: str) -> bool:
    """A stack on a cloud that creates no cluster, whose file names no kubeconfig or context."""
    try:
        config = stackfile.read(stack).config
    except (OSError, ValueError) as err:
        raise KitError(str(err)) from None
    cloud = config.get("o11y-kit:cloud", "")
    chosen = config.get("o11y-kit:kubeconfig") or config.get("o11y-kit:context")
    return bool(cloud) and not facts(cloud).creates_cluster and not chosen


def _owned(record: dict, kind: Path) -> bool:
    """Whether the recorded cluster still exists and is the one the kit created: its
    control-plane container is the one recorded. False when it is gone (the record is then
    dropped); a cluster of that name that is another one is refused."""
    name = record["cluster"]
    listed = _run([str(kind), "get", "clusters"], capture=True).split()
    if name not in listed:
        cluster_record.forget(record["stack"])
        say(f"kind cluster {name}, which the kit created, is gone; its record is removed")
        return False
    container = _control_plane_id(name)
    if container != record.get("controlPlane"):
        raise KitError(
            f"kind cluster {name} is not the one the kit created (its control-plane container is "
            f"{container or 'missing'}, the record {cluster_record.record_path(record['stack'])} "
            f"says {record.get('controlPlane') or 'none'}): left alone; if it is yours to "
            f"delete, run `kind delete cluster --name {name}` and remove the record"
        )
    return True


def _create(stack: str, kind: Path) -> None:
    name = cluster_record.cluster_name(stack)
    if name in _run([str(kind), "get", "clusters"], capture=True).split():
        raise KitError(
            f"a kind cluster named {name} exists that the kit did not create: left alone; use it "
            f"(kubectl config use-context kind-{name}) or delete it (kind delete cluster --name "
            f"{name}), then run make up again"
        )
    record = cluster_record.write(stack, kind=kind_cli.VERSION, nodeImage=kind_cli.NODE_IMAGE)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="kind-config-") as config:
        yaml.safe_dump(kind_config(), config, sort_keys=False)
        config.flush()
        command = [str(kind), "create", "cluster", "--name", name, "--config", config.name]
        command += ["--kubeconfig", record["kubeconfig"], "--wait", CREATE_WAIT]
        try:
            _run(command)
        except KitError:
            cluster_record.forget(stack)  # kind removes a cluster it could not finish
            raise
    container = _control_plane_id(name)
    if container is None:
        raise KitError(f"kind created {name}, but Docker shows no {name}-control-plane container")
    cluster_record.write(
        stack, kind=kind_cli.VERSION, nodeImage=kind_cli.NODE_IMAGE, controlPlane=container
    )
    say(
        f"created kind cluster {name} (1 control plane, {WORKERS} workers, "
        f"{kind_cli.NODE_IMAGE}); for kubectl: export KUBECONFIG={record['kubeconfig']}"
    )


def _kind() -> Path:
    try:
        return kind_cli.resolve(say=lambda line: print(line, file=sys.stderr, flush=True))
    except DownloadError as err:
        raise KitError(f"kind: {one_line(err)}") from None


def _docker_problem() -> str | None:
    """None when the Docker daemon answers, else why not, in a few words."""
    try:
        answer = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=DOCKER_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return DOCKER_MISSING
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"docker info: {one_line(err)}"
    if answer.returncode != 0:
        said = (answer.stderr or answer.stdout).strip().splitlines()
        return f"docker info: {said[-1] if said else f'exit status {answer.returncode}'}"
    return None


def _control_plane_id(name: str) -> str | None:
    try:
        answer = subprocess.run(
            ["docker", "inspect", "--format", "{{.Id}}", f"{name}-control-plane"],
            capture_output=True,
            text=True,
            timeout=DOCKER_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return answer.stdout.strip() or None if answer.returncode == 0 else None


def _run(command: list[str], capture: bool = False) -> str:
    """Run kind; its own output goes to the terminal. A failure is the user's one line."""
    try:
        done = subprocess.run(
            command, stdout=subprocess.PIPE if capture else None, text=True, check=False
        )
    except OSError as err:
        raise KitError(f"could not run {command[0]}: {one_line(err)}") from None
    if done.returncode != 0:
        raise KitError(
            f"`{' '.join(command[1:4])}` failed (exit status {done.returncode}); see above"
        )
    return done.stdout or ""


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("up", "down", "exec") or argv[1] != "--stack":
        print("usage: python -m kit.cli.kind_cluster up|down|exec --stack <stack> [-- command]",
              file=sys.stderr)  # fmt: skip
        return USAGE_OR_ENVIRONMENT
    action, stack, rest = argv[0], argv[2], argv[3:]
    try:
        if action == "exec":
            if rest[:1] != ["--"] or len(rest) < 2:
                raise KitError("exec needs `-- <command>`")
            exec_with_kubeconfig(stack, rest[1:])
        (up if action == "up" else down)(stack)
    except KitError as err:
        print(f"local-cluster: {one_line(err)}", file=sys.stderr)
        return USAGE_OR_ENVIRONMENT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
