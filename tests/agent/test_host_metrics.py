"""Host metrics: no collector reads the host, and what the catalog's host_metrics receiver
(the candidate `make bench-series` measures) filters out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.preset_catalog import (
    HOST_FS,
    HOST_FS_EXCLUDED_MOUNTS,
    HOST_FS_EXCLUDED_TYPES,
    POD_NETWORK_INTERFACES,
)
from tests.agent.stacks import STACK_IDS, STACKS, manifests_by_mode

# Interface names as each CNI / runtime creates them (per-pod devices and overlay plumbing).
POD_DEVICES = [
    "veth3f2a9c1",  # kind, k3d, flannel, Docker
    "lxc5e1d0a2b",  # Cilium (AKS with Cilium dataplane)
    "lxc_health",
    "cilium_host",
    "cilium_net",
    "cilium_vxlan",
    "azv8ac2f1e4d3",  # Azure CNI
    "eni4c5f0d2a1b3",  # Amazon VPC CNI
    "cali7d9b1e2f0a4",  # Calico
    "flannel.1",
    "cni0",
    "vxlan.calico",
    "tunl0",
    "docker0",
    "br-0f1e2d3c4b5a",
    "kube-ipvs0",
    "lo",
]
NODE_NICS = ["eth0", "eth1", "ens5", "ens160", "enp0s3", "eno1", "bond0", "wlan0"]


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_no_collector_reads_the_host(cloud, fargate):
    """node-exporter is Prometheus' one source of host metrics (docs/design.md): no collector
    runs host_metrics or mounts the host's root."""
    for mode, objects in manifests_by_mode(cloud, fargate).items():
        rendered = "".join(o["data"]["relay.yaml"] for o in objects if o["kind"] == "ConfigMap")
        assert "host_metrics" not in rendered, mode
        assert HOST_FS not in str(objects), mode


@pytest.mark.parametrize("device", POD_DEVICES)
def test_per_pod_and_overlay_devices_are_left_to_kubelet_stats(device):
    assert re.search(POD_NETWORK_INTERFACES, device)


@pytest.mark.parametrize("nic", NODE_NICS)
def test_the_nodes_own_nics_are_kept(nic):
    assert not re.search(POD_NETWORK_INTERFACES, nic)


def _mounts() -> list[tuple[str, str]]:
    """(mount point, fs type) of this machine, as the filesystem scraper sees them."""
    lines = Path("/proc/self/mounts").read_text().splitlines()
    return [(line.split()[1], line.split()[2]) for line in lines]


def _excluded(mount_point: str, fs_type: str) -> bool:
    return fs_type in HOST_FS_EXCLUDED_TYPES or any(
        re.search(pattern, mount_point) for pattern in HOST_FS_EXCLUDED_MOUNTS
    )


def test_filesystem_exclusions_on_a_real_mount_table():
    mounts = _mounts()
    kept = [m for m in mounts if not _excluded(*m)]
    pseudo = {"proc", "sysfs", "cgroup2", "devpts", "mqueue"}
    assert {fs for _, fs in mounts} & pseudo  # the table has pseudo filesystems to drop
    assert not [m for m in kept if m[1] in pseudo]  # /proc, /sys, cgroups, ptys never reported
    assert all(_excluded("/proc" + rest, "ext4") for rest in ("", "/sys", "/1/root"))
    assert not _excluded("/", "ext4")
    assert not _excluded("/var/lib/containerd", "ext4")  # image store: a real disk filling up
    assert not _excluded("/development", "xfs")  # ^/dev($|/) stops at the path segment
    assert _excluded("/var/lib/kubelet/pods/uid/volumes/x", "ext4")  # a pod's volume
