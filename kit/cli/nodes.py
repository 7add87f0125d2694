"""Make a node NotReady for real, and bring it back. Cordon or drain only stop scheduling;
the kubelet keeps reporting Ready. Stopping the machine is what fires the node alerts:
a kind node's container (`docker stop`), an AKS VMSS instance (`az vmss deallocate`), or an EKS
node group's EC2 instance (`ec2.stop_instances`, with the group's ASG told not to replace it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from components.names import MONITORING_NAMESPACE
from kit.cli.errors import KitError
from kit.cli.kube import Kube, is_fargate

CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
REGION_LABEL = "topology.kubernetes.io/region"
AZURE_ID = re.compile(
    r"azure:///subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)/providers/"
    r"Microsoft\.Compute/virtualMachineScaleSets/(?P<vmss>[^/]+)/virtualMachines/(?P<instance>[0-9]+)",
    re.IGNORECASE | re.ASCII,
)
# An ASG replaces an instance that is not running; for the demo it must stay stopped.
ASG_PROCESSES = ["HealthCheck", "ReplaceUnhealthy"]
NODEGROUP_TAG = "eks:nodegroup-name"
ASG_TAG = "aws:autoscaling:groupName"

Runner = Callable[[list[str]], None]


def run_command(command: list[str]) -> None:
    """Run a CLI (docker, az) in the foreground; its failure is the user's one-line error."""
    if shutil.which(command[0]) is None:
        raise KitError(f"{command[0]} is not installed; run it yourself: {' '.join(command)}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise KitError(f"{' '.join(command[:3])} failed: {last}")


@dataclass(frozen=True)
class Ec2Instance:
    instance_id: str
    region: str


def is_ready(node) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def pick_node(kube: Kube, requested: str | None) -> object:
    """The node to stop: the one asked for, else a Ready worker that does not run Prometheus or
    Alertmanager (so the demo can watch the alert fire)."""
    nodes = kube.nodes()
    if requested:
        match = [n for n in nodes if n.metadata.name == requested]
        if not match:
            raise KitError(
                f"no node {requested}; nodes: {', '.join(n.metadata.name for n in nodes)}"
            )
        return match[0]
    workers = [
        n
        for n in nodes
        if not is_fargate(n)
        and is_ready(n)
        and CONTROL_PLANE_LABEL not in (n.metadata.labels or {})
    ]
    if not workers:
        raise KitError(
            "no Ready worker node to stop (stopping a control-plane node stops the API server); "
            "a kind cluster needs a worker node for this demo"
        )
    monitoring = kube.core.list_namespaced_pod(MONITORING_NAMESPACE, _request_timeout=10).items
    busy = {
        p.spec.node_name
        for p in monitoring
        if p.metadata.name.startswith(("prometheus-", "alertmanager-"))
    }
    return sorted(workers, key=lambda n: (n.metadata.name in busy, n.metadata.name))[0]


def kind_container(node) -> str | None:
    """kind://docker/<cluster>/<node>: the node is a container named like the node."""
    provider_id = node.spec.provider_id or ""
    return provider_id.rsplit("/", 1)[-1] if provider_id.startswith("kind://") else None


def vmss_command(node, verb: str) -> list[str] | None:
    match = AZURE_ID.fullmatch(node.spec.provider_id or "")
    if not match:
        return None
    return [
        "az", "vmss", verb,
        "--subscription", match["subscription"],
        "--resource-group", match["group"],
        "--name", match["vmss"],
        "--instance-ids", match["instance"],
    ]  # fmt: skip


def ec2_instance(node) -> Ec2Instance | None:
    """aws:///<zone>/<instance id>; the region from the node's label, else from the zone."""
    provider_id = node.spec.provider_id or ""
    if not provider_id.startswith("aws://") or is_fargate(node):
        return None
    zone, instance_id = provider_id.removeprefix("aws://").strip("/").split("/")[-2:]
    region = (node.metadata.labels or {}).get(REGION_LABEL) or zone.rstrip(
        "abcdefghijklmnopqrstuvwxyz"
    )
    return Ec2Instance(instance_id, region)


def stop_ec2(session, instance: Ec2Instance) -> str:
    """Stop one managed node group instance after telling its ASG not to replace it."""
    ec2 = session.client("ec2", region_name=instance.region)
    reservations = ec2.describe_instances(InstanceIds=[instance.instance_id])["Reservations"]
    tags = {t["Key"]: t["Value"] for t in reservations[0]["Instances"][0].get("Tags", [])}
    if NODEGROUP_TAG not in tags:
        raise KitError(
            f"{instance.instance_id} is not in an EKS managed node group ({NODEGROUP_TAG})"
        )
    said = []
    if ASG_TAG in tags:
        autoscaling = session.client("autoscaling", region_name=instance.region)
        autoscaling.suspend_processes(
            AutoScalingGroupName=tags[ASG_TAG], ScalingProcesses=ASG_PROCESSES
        )
        said.append(f"suspended {'/'.join(ASG_PROCESSES)} on {tags[ASG_TAG]}")
    ec2.stop_instances(InstanceIds=[instance.instance_id])
    said.append(f"stopping {instance.instance_id} (node group {tags[NODEGROUP_TAG]})")
    return "; ".join(said)


def start_ec2(session, instances: list[Ec2Instance]) -> list[str]:
    """Start the stopped ones and let their ASGs manage health again."""
    said = []
    for region in sorted({i.region for i in instances}):
        ids = [i.instance_id for i in instances if i.region == region]
        ec2 = session.client("ec2", region_name=region)
        found = [
            inst
            for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
            for inst in r["Instances"]
        ]
        stopped = [i["InstanceId"] for i in found if i["State"]["Name"] in ("stopped", "stopping")]
        if stopped:
            ec2.start_instances(InstanceIds=stopped)
            said.append(f"starting {', '.join(stopped)}")
        groups = {t["Value"] for i in found for t in i.get("Tags", []) if t["Key"] == ASG_TAG}
        autoscaling = session.client("autoscaling", region_name=region)
        for group in sorted(groups):
            autoscaling.resume_processes(AutoScalingGroupName=group, ScalingProcesses=ASG_PROCESSES)
            said.append(f"resumed {'/'.join(ASG_PROCESSES)} on {group}")
    return said


def aws_session(region: str | None = None):
    import boto3

    return boto3.Session(region_name=region)


def break_node(
    kube: Kube, requested: str | None, yes: bool, run: Runner = run_command, session=None
) -> str:
    node = pick_node(kube, requested)
    name = node.metadata.name
    container = kind_container(node)
    if container:
        command = ["docker", "stop", container]
        if not yes:
            return (
                f"{name} is a kind node, i.e. the Docker container {container}. Stopping it makes "
                f"the node NotReady in about 40 s. Not done; run `{' '.join(command)}` yourself "
                "or repeat with --yes (kit heal starts it again)"
            )
        run(command)
        return f"stopped container {container}: node {name} turns NotReady in about 40 s"
    command = vmss_command(node, "deallocate")
    if command:
        if not yes:
            return f"to stop node {name} (not done without --yes): {' '.join(command)}"
        run(command)
        return f"deallocated {name}'s VMSS instance: NotReady in about 1 minute"
    instance = ec2_instance(node)
    if instance:
        if not yes:
            return (
                f"node {name} is EC2 instance {instance.instance_id} in {instance.region}; "
                "repeat with --yes to suspend its ASG's health replacement and stop it"
            )
        return stop_ec2(session or aws_session(instance.region), instance)
    raise KitError(
        f"do not know how to stop node {name} (providerID {node.spec.provider_id or 'none'}): "
        "stop the VM or container behind it yourself; cordon/drain does not make a node NotReady"
    )


def heal_nodes(kube: Kube, run: Runner = run_command, session=None) -> list[str]:
    """Start what break_node stopped: NotReady kind/AKS nodes, stopped EKS instances."""
    nodes = kube.nodes()
    said = []
    for node in nodes:
        if is_ready(node):
            continue
        container = kind_container(node)
        command = ["docker", "start", container] if container else vmss_command(node, "start")
        if command:
            run(command)
            said.append(f"ran {' '.join(command)}")
    instances = [i for i in map(ec2_instance, nodes) if i]
    if instances:
        said += start_ec2(session or aws_session(instances[0].region), instances)
    return said
