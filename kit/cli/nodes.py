"""Make a node NotReady for real, and bring it back. Cordon or drain only stop scheduling;
the kubelet keeps reporting Ready. Stopping the machine is what fires the node alerts:
a kind node's container (`docker stop`), an AKS VMSS instance (`az vmss deallocate`), or an EKS
node group's EC2 instance (`ec2.stop_instances`, with the group's ASG told not to replace it).
Heal starts only what a recorded break run stopped, and only while it still carries the run's
annotation or tag (kit/cli/breaks.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from components.names import MONITORING_NAMESPACE
from kit.cli.breaks import RUN_ANNOTATION
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
CLUSTER_TAG = "eks:cluster-name"
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


def stop_ec2(session, instance: Ec2Instance, run_id: str, cluster: str) -> tuple[str, dict]:
    """Stop one running instance of the stack's own node groups, after telling its ASG not to
    replace it. Tags the instance (and the group, when the run suspended anything) with the run,
    and records only the processes this run suspended."""
    ec2 = session.client("ec2", region_name=instance.region)
    found = ec2.describe_instances(InstanceIds=[instance.instance_id])["Reservations"][0]
    details = found["Instances"][0]
    tags = {t["Key"]: t["Value"] for t in details.get("Tags", [])}
    if NODEGROUP_TAG not in tags:
        raise KitError(
            f"{instance.instance_id} is not in an EKS managed node group ({NODEGROUP_TAG})"
        )
    if tags.get(CLUSTER_TAG) != cluster:
        raise KitError(
            f"{instance.instance_id} belongs to cluster {tags.get(CLUSTER_TAG) or '(none)'}, "
            f"not the stack's {cluster}: nothing done"
        )
    if details["State"]["Name"] != "running":
        raise KitError(f"{instance.instance_id} is {details['State']['Name']}: nothing done")
    action = {"kind": "ec2", "instance": instance.instance_id, "region": instance.region,
              "group": tags.get(ASG_TAG), "suspended": []}  # fmt: skip
    said = []
    if action["group"]:
        autoscaling = session.client("autoscaling", region_name=instance.region)
        already = _suspended(autoscaling, action["group"])
        action["suspended"] = [p for p in ASG_PROCESSES if p not in already]
        if action["suspended"]:
            autoscaling.create_or_update_tags(Tags=[_group_tag(action["group"], run_id)])
            autoscaling.suspend_processes(
                AutoScalingGroupName=action["group"], ScalingProcesses=action["suspended"]
            )
            said.append(f"suspended {'/'.join(action['suspended'])} on {action['group']}")
    run_tag = [{"Key": RUN_ANNOTATION, "Value": run_id}]
    ec2.create_tags(Resources=[instance.instance_id], Tags=run_tag)
    ec2.stop_instances(InstanceIds=[instance.instance_id])
    said.append(f"stopping {instance.instance_id} (node group {tags[NODEGROUP_TAG]})")
    return "; ".join(said), action


def start_ec2(session, action: dict, run_id: str) -> list[str]:
    """Start the instance the run stopped and resume what it suspended, each only while it still
    carries the run's tag; then remove the tags."""
    ec2 = session.client("ec2", region_name=action["region"])
    instance = action["instance"]
    details = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    said = []
    if _tags(details.get("Tags", [])).get(RUN_ANNOTATION) != run_id:
        said.append(f"{instance} no longer carries run {run_id}'s tag: left alone")
    else:
        if details["State"]["Name"] in ("stopped", "stopping"):
            ec2.start_instances(InstanceIds=[instance])
            said.append(f"starting {instance}")
        ec2.delete_tags(Resources=[instance], Tags=[{"Key": RUN_ANNOTATION}])
    group = action.get("group")
    if group and action["suspended"]:
        autoscaling = session.client("autoscaling", region_name=action["region"])
        answer = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
        if _tags(answer["AutoScalingGroups"][0].get("Tags", [])).get(RUN_ANNOTATION) != run_id:
            said.append(f"{group} no longer carries run {run_id}'s tag: left alone")
        else:
            autoscaling.resume_processes(
                AutoScalingGroupName=group, ScalingProcesses=action["suspended"]
            )
            autoscaling.delete_tags(Tags=[_group_tag(group, run_id)])
            said.append(f"resumed {'/'.join(action['suspended'])} on {group}")
    return said


def _tags(tags: list[dict]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def _group_tag(group: str, run_id: str) -> dict:
    return {"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": RUN_ANNOTATION,
            "Value": run_id, "PropagateAtLaunch": False}  # fmt: skip


def _suspended(autoscaling, group: str) -> set[str]:
    answer = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    return {p["ProcessName"] for p in answer["AutoScalingGroups"][0].get("SuspendedProcesses", [])}


def aws_session(region: str | None = None):
    import boto3

    return boto3.Session(region_name=region)


def break_node(
    kube: Kube,
    requested: str | None,
    yes: bool,
    run_id: str,
    cluster: str,
    run: Runner = run_command,
    session=None,
) -> tuple[str, dict | None]:
    """Stop the node's machine (only with --yes); the action to record, or None if not done.
    The Node is annotated with the run first, so heal can tell it is still the one stopped."""
    node = pick_node(kube, requested)
    name = node.metadata.name
    container = kind_container(node)
    instance = ec2_instance(node)
    if container:
        command = ["docker", "stop", container]
        action = {"kind": "docker", "start": ["docker", "start", container]}
        plan = f"{name} is a kind node, i.e. the Docker container {container}: {' '.join(command)}"
    elif vmss_command(node, "deallocate"):
        command = vmss_command(node, "deallocate")
        action = {"kind": "vmss", "start": vmss_command(node, "start")}
        plan = f"{name} is a VMSS instance: {' '.join(command)}"
    elif instance:
        command, action = None, None
        plan = (
            f"{name} is EC2 instance {instance.instance_id} in {instance.region}: suspend its "
            "ASG's HealthCheck/ReplaceUnhealthy and stop it"
        )
    else:
        raise KitError(
            f"do not know how to stop node {name} (providerID {node.spec.provider_id or 'none'}): "
            "stop the VM or container behind it yourself; cordon/drain does not make a node "
            "NotReady"
        )
    if not yes:
        return f"would stop node {name}. {plan}. Not done: repeat with --yes", None
    mark_node(kube, name, run_id)
    try:
        if instance:
            aws = session or aws_session(instance.region)
            said, action = stop_ec2(aws, instance, run_id, cluster)
        else:
            run(command)
            said = f"ran {' '.join(command)}: node {name} turns NotReady within a minute or so"
    except Exception:
        mark_node(kube, name, None)  # nothing stopped, nothing to record
        raise
    return said, {**action, "node": name}


def mark_node(kube: Kube, name: str, run_id: str | None) -> None:
    """Set (or, with None, remove) the run annotation on a Node."""
    patch = {"metadata": {"annotations": {RUN_ANNOTATION: run_id}}}
    kube.core.patch_node(
        name, patch, _content_type="application/merge-patch+json", _request_timeout=15
    )


def heal_node(
    kube: Kube, action: dict, run_id: str, yes: bool, run: Runner = run_command, session=None
) -> tuple[str, bool]:
    """Start the machine a run stopped, if its Node still carries the run's annotation; without
    --yes only say what would be done. Returns what was said and whether the action is over."""
    name = action["node"]
    try:
        node = kube.core.read_node(name, _request_timeout=15)
        marked = (node.metadata.annotations or {}).get(RUN_ANNOTATION)
    except ApiException as err:
        if err.status != 404:
            raise
        if action["kind"] != "ec2":  # an EC2 instance carries its own tag, checked below
            return f"node {name} is gone: nothing to start", True
        node, marked = None, run_id
    if marked != run_id:
        return f"node {name} no longer carries run {run_id}'s annotation: left alone", True
    if action["kind"] == "ec2":
        plan = f"start EC2 instance {action['instance']}"
        if action["suspended"]:
            plan += f" and resume {'/'.join(action['suspended'])} on {action['group']}"
    else:
        plan = f"run {' '.join(action['start'])}"
    if not yes:
        return f"would {plan} (node {name}). Not done: repeat with --yes", False
    if action["kind"] == "ec2":
        said = "; ".join(start_ec2(session or aws_session(action["region"]), action, run_id))
    else:
        run(action["start"])
        said = f"ran {' '.join(action['start'])}"
    if node is not None:
        mark_node(kube, name, None)
    return said, True
