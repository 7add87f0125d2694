"""Every collector's persistent sending queues fit the volume they live on, as deployed.

A queue takes up to QUEUE_DISK_FACTOR x QUEUE_BYTES on disk (docs/reliability.md; the factor is
measured by tests/agent/test_queue_bytes_live.py). The collector makes one queue per exporter
and signal: an exporter in the logs and traces pipelines has two. Where the state volume is an
emptyDir with a sizeLimit (cluster agent, Fargate collectors and sidecars), the kubelet evicts
the pod once it is exceeded, so the queues must fit with room for the receivers'
checkpoints. The node agent's hostPath has no limit; docs/reliability.md states its worst case.
"""

from __future__ import annotations

import pytest
import yaml
from kubernetes.utils import parse_quantity

from agent.exporters import QUEUE_BYTES, QUEUE_DISK_FACTOR
from agent.quantities import MIB
from tests.agent.collector_pods import collector_pods
from tests.agent.stacks import VARIANTS, evaluation

CHECKPOINTS_MIB = 16  # file_log offsets and the like, a few KiB in the live tests


def queues(config: dict) -> int:
    """Persistent queues the collector creates: one per (exporter with storage, signal)."""
    persistent = {
        name
        for name, exporter in (config.get("exporters") or {}).items()
        if (exporter or {}).get("sending_queue", {}).get("storage")
    }
    signals = {
        (exporter, pipeline.split("/")[0])
        for pipeline, spec in config["service"]["pipelines"].items()
        for exporter in spec.get("exporters", [])
        if exporter in persistent
    }
    return len(signals)


def state_volume(pod, config: dict) -> dict:
    directory = config["extensions"]["file_storage"]["directory"]
    (mount,) = [m for m in pod.container["volumeMounts"] if m["mountPath"] == directory]
    (volume,) = [v for v in pod.volumes if v["name"] == mount["name"]]
    return volume


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_sending_queues_fit_their_state_volume(variant):
    checked = []
    for pod in collector_pods(evaluation(variant)):
        config = yaml.safe_load(pod.config)
        count = queues(config)
        for exporter in config.get("exporters", {}).values():
            queue = (exporter or {}).get("sending_queue", {})
            if queue.get("storage"):
                assert queue["sizer"] == "bytes" and queue["queue_size"] == QUEUE_BYTES, queue
        if not count:
            continue
        volume = state_volume(pod, config)
        if "hostPath" in volume:
            continue  # the node agent: see the module docstring
        limit = parse_quantity(volume["emptyDir"]["sizeLimit"])
        worst = count * QUEUE_BYTES * QUEUE_DISK_FACTOR + CHECKPOINTS_MIB * MIB
        assert worst <= limit, (
            f"{pod.workload}: {count} queues x {QUEUE_BYTES // MIB} MiB x {QUEUE_DISK_FACTOR} "
            f"= {worst / MIB:.0f} MiB > sizeLimit {volume['emptyDir']['sizeLimit']}"
        )
        checked.append((pod.workload, count))
    assert checked, "no collector with queues on an emptyDir"
