"""Three Nodes shaped like a kind cluster's (one control plane, two workers), for kwok to run.

kind names them <cluster>-control-plane, <cluster>-worker, <cluster>-worker2, labels and taints
the first as kubeadm does, and each reports the host's CPU and memory; so do these.
"""

from __future__ import annotations

import os
from pathlib import Path

# kwok manages only Nodes carrying this annotation (its --manage-nodes-with-annotation-selector).
KWOK_ANNOTATION = {"kwok.x-k8s.io/node": "fake"}
CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane"


def host_capacity() -> dict[str, str]:
    """What a kind node reports: the host's CPUs and memory."""
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "cpu": str(os.cpu_count() or 2),
        "memory": f"{mem_kib}Ki",
        "pods": "110",
        "ephemeral-storage": "100Gi",
    }


def node_names(cluster: str) -> list[str]:
    return [f"{cluster}-control-plane", f"{cluster}-worker", f"{cluster}-worker2"]


def node(name: str, index: int, capacity: dict[str, str], control_plane: bool) -> dict:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
        "type": "kwok",
    }
    spec: dict = {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"]}
    if control_plane:
        labels[CONTROL_PLANE_ROLE] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        spec["taints"] = [{"key": CONTROL_PLANE_ROLE, "effect": "NoSchedule"}]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "annotations": dict(KWOK_ANNOTATION)},
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "addresses": [
                {"type": "InternalIP", "address": f"172.18.0.{index + 2}"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "fake",
                "containerRuntimeVersion": "kwok",
                "kernelVersion": "",
                "osImage": "",
                "bootID": "",
                "machineID": "",
                "systemUUID": "",
                "kubeProxyVersion": "",
            },
        },
    }


def kind_shaped(cluster: str) -> list[dict]:
    capacity = host_capacity()
    return [node(n, i, capacity, i == 0) for i, n in enumerate(node_names(cluster))]
