"""The CPU and memory the kit's pods request and are limited to, per namespace and in total, read
from a plan's objects (the kit's and the charts' as `helm template` renders them), as the
scheduler adds them up: what a cluster must have free before the kit fits.

Counted as Kubernetes counts them:
- a DaemonSet runs one pod per node (`nodes`), a Deployment or StatefulSet `replicas` pods (1
  when unset), a Prometheus or Alertmanager object `replicas` (x `shards`) pods that the
  prometheus-operator creates: its main container sized by the object's `resources`, next to the
  config-reloader sidecar (and init container) sized by the operator's `--config-reloader-*`
  flags, where "0" means unset (prometheus-operator cmd/operator/main.go);
- a pod's request is the larger of its app containers' sum (restartable init containers, i.e.
  sidecars, included) and its largest init container (plus the sidecars started before it), the
  rule of the scheduler (KEP-753 "Sidecar containers", "Resources calculation for scheduling
  and pod admission"); limits the same way;
- a container that sets a limit but no request requests its limit (the API server's defaulting);
- a container that sets neither is reported by name, not counted as zero: a pod with one is
  unbounded (a missing limit) or may be placed on a full node (a missing request);
- Jobs and CronJobs run to completion (the charts' install hooks): listed, not in the totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kubernetes.utils import parse_quantity

Json = dict[str, Any]
RESOURCES = ("cpu", "memory")
MIB = 2**20
GIB = 2**30
# The local stack's cluster: the kind cluster `make up STACK=local` creates, one control-plane
# node and kit/cli/kind_cluster.py's WORKERS (a test keeps the two equal; kit.plan cannot import
# the CLI).
KIND_NODES = 3
OPERATOR_KINDS = {"Prometheus": "prometheus", "Alertmanager": "alertmanager"}  # kind -> container
RELOADER_FLAG = "--config-reloader-{resource}-{kind}="
RUN_TO_COMPLETION = ("Job", "CronJob")


@dataclass(frozen=True)
class Amount:
    """CPU (cores) and memory (bytes) summed over containers, and the containers that set none."""

    cpu: Decimal = Decimal(0)
    memory: Decimal = Decimal(0)
    unset: tuple[str, ...] = ()  # "<container>: request cpu" for each value one leaves out

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.cpu + other.cpu, self.memory + other.memory, self.unset + other.unset)

    def times(self, count: int) -> Amount:
        return Amount(self.cpu * count, self.memory * count, self.unset)

    def larger(self, other: Amount) -> Amount:
        """Per resource the larger of the two (an init container against the app containers)."""
        return Amount(
            max(self.cpu, other.cpu), max(self.memory, other.memory), self.unset + other.unset
        )

    def unset_for(self, resource: str) -> bool:
        return any(entry.endswith(f" {resource}") for entry in self.unset)


@dataclass(frozen=True)
class Container:
    """One container of a pod (init containers too) with its own requests and limits."""

    name: str
    init: bool
    requests: Amount
    limits: Amount


@dataclass(frozen=True)
class Workload:
    """One controller's pods: how many, and what each pod requests and is limited to."""

    kind: str
    namespace: str
    name: str
    pods: int
    requests: Amount  # per pod
    limits: Amount  # per pod
    containers: tuple[Container, ...] = ()

    @property
    def total_requests(self) -> Amount:
        return self.requests.times(self.pods)

    @property
    def total_limits(self) -> Amount:
        return self.limits.times(self.pods)


@dataclass
class Table:
    """Every long-running workload of a plan, and the run-to-completion ones apart."""

    nodes: int
    workloads: list[Workload] = field(default_factory=list)
    run_once: list[Workload] = field(default_factory=list)  # Jobs: not in the totals

    def per_namespace(self) -> dict[str, tuple[Amount, Amount]]:
        """namespace -> (requests, limits) of all its pods."""
        sums: dict[str, tuple[Amount, Amount]] = {}
        for w in self.workloads:
            requests, limits = sums.get(w.namespace, (Amount(), Amount()))
            sums[w.namespace] = (requests + w.total_requests, limits + w.total_limits)
        return dict(sorted(sums.items()))

    @property
    def requests(self) -> Amount:
        return sum((w.total_requests for w in self.workloads), Amount())

    @property
    def limits(self) -> Amount:
        return sum((w.total_limits for w in self.workloads), Amount())

    def render(self) -> str:
        """The table for a terminal: one row per workload, per namespace and the total."""
        header = f"{'':44} {'pods':>4} {'CPU req':>8} {'CPU lim':>8} {'mem req':>9} {'mem lim':>9}"
        lines = [f"pods on {self.nodes} node(s), DaemonSets on every node", header]
        for namespace, (requests, limits) in self.per_namespace().items():
            for w in (w for w in self.workloads if w.namespace == namespace):
                label = f"  {w.kind} {w.name}"
                lines.append(_row(label, w.pods, w.total_requests, w.total_limits))
            pods = sum(w.pods for w in self.workloads if w.namespace == namespace)
            lines.append(_row(f"{namespace}", pods, requests, limits))
        pods = sum(w.pods for w in self.workloads)
        lines.append(_row("total", pods, self.requests, self.limits))
        unset = [f"{w.namespace}/{w.name} {e}" for w in self.workloads for e in _gaps(w)]
        if unset:
            lines.append("not set (+? above: counted as nothing, not bounded or not reserved):")
            lines += [f"  {entry}" for entry in unset]
        if self.run_once:
            names = ", ".join(f"{w.kind} {w.namespace}/{w.name}" for w in self.run_once)
            lines.append(f"run to completion, not counted: {names}")
        return "\n".join(lines)


def pod_resources(objects: Iterable[Json], nodes: int) -> Table:
    """The CPU and memory of every pod `objects` (a plan's Kubernetes objects, charts' included)
    make run on a cluster of `nodes` nodes."""
    objects = list(objects)
    reloader = _reloader_container(objects)
    table = Table(nodes)
    for obj in objects:
        workload = _workload(obj, nodes, reloader)
        if workload is None:
            continue
        (table.run_once if obj["kind"] in RUN_TO_COMPLETION else table.workloads).append(workload)
    table.workloads.sort(key=lambda w: (w.namespace, w.kind, w.name))
    return table


def stack_nodes(cloud: str, node_count: int) -> int:
    """Nodes the DaemonSets run on: the kind cluster's on local, the VM nodes on aks/eks
    (Fargate pods run no DaemonSet)."""
    return KIND_NODES if cloud == "local" else node_count


def pod_amounts(pod: Json) -> tuple[Amount, Amount]:
    """(requests, limits) of one pod spec, init containers and sidecars as the scheduler
    counts them."""
    return _effective(pod, "requests"), _effective(pod, "limits")


def _workload(obj: Json, nodes: int, reloader: Json) -> Workload | None:
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    meta = obj.get("metadata") or {}
    if kind in OPERATOR_KINDS and obj.get("apiVersion", "").startswith("monitoring.coreos.com/"):
        pod = _operator_pod(kind, spec, reloader)
        count = _count(spec, "replicas") * (_count(spec, "shards") if kind == "Prometheus" else 1)
    elif kind == "DaemonSet":
        pod, count = spec["template"]["spec"], nodes
    elif kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        pod, count = spec["template"]["spec"], _count(spec, "replicas")
    elif kind == "Job":
        pod, count = spec["template"]["spec"], _count(spec, "parallelism")
    elif kind == "CronJob":
        pod, count = spec["jobTemplate"]["spec"]["template"]["spec"], 1
    elif kind == "Pod":
        pod, count = spec, 1
    else:
        return None
    requests, limits = pod_amounts(pod)
    containers = tuple(
        Container(c.get("name", ""), init, _container(c, "requests"), _container(c, "limits"))
        for init, key in ((True, "initContainers"), (False, "containers"))
        for c in pod.get(key) or []
    )
    namespace, name = meta.get("namespace", ""), meta.get("name", "")
    return Workload(kind, namespace, name, count, requests, limits, containers)


def _count(spec: Json, key: str) -> int:
    value = spec.get(key)
    return 1 if value is None else int(value)


def _effective(pod: Json, which: str) -> Amount:
    apps = sum((_container(c, which) for c in pod.get("containers") or []), Amount())
    sidecars, init_peak = Amount(), Amount()
    for init in pod.get("initContainers") or []:
        own = _container(init, which)
        if init.get("restartPolicy") == "Always":
            sidecars = sidecars + own
            init_peak = init_peak.larger(Amount(sidecars.cpu, sidecars.memory))
        else:
            init_peak = init_peak.larger(own + Amount(sidecars.cpu, sidecars.memory))
    return (apps + sidecars).larger(Amount(init_peak.cpu, init_peak.memory, init_peak.unset))


def _container(container: Json, which: str) -> Amount:
    resources = container.get("resources") or {}
    given = resources.get(which) or {}
    if which == "requests":  # an unset request defaults to the limit
        given = {**(resources.get("limits") or {}), **given}
    values = {r: Decimal(parse_quantity(given[r])) for r in RESOURCES if r in given}
    unset = tuple(f"{container.get('name')}: {which[:-1]} {r}" for r in RESOURCES if r not in given)
    return Amount(values.get("cpu", Decimal(0)), values.get("memory", Decimal(0)), unset)


def _operator_pod(kind: str, spec: Json, reloader: Json) -> Json:
    main = {"name": OPERATOR_KINDS[kind], "resources": spec.get("resources") or {}}
    init = {**reloader, "name": "init-config-reloader"}
    return {
        "containers": [main, reloader],
        "initContainers": [init] if kind == "Prometheus" else [],
    }


def _reloader_container(objects: list[Json]) -> Json:
    """The config-reloader container the operator adds, sized by its flags ("0": unset)."""
    args = [
        arg
        for obj in objects
        if obj.get("kind") == "Deployment"
        for container in obj["spec"]["template"]["spec"].get("containers") or []
        if any(a.startswith("--prometheus-config-reloader=") for a in container.get("args") or [])
        for arg in container.get("args") or []
    ]
    resources: dict[str, dict[str, str]] = {}
    for which in ("requests", "limits"):
        for resource in RESOURCES:
            flag = RELOADER_FLAG.format(resource=resource, kind=which[:-1])
            value = next((a.removeprefix(flag) for a in args if a.startswith(flag)), "0")
            if value != "0":
                resources.setdefault(which, {})[resource] = value
    return {"name": "config-reloader", "resources": resources}


def _gaps(workload: Workload) -> list[str]:
    """One line per container that leaves values out: `<container>: request cpu, memory; ...`."""
    missing: dict[str, list[str]] = {}
    for entry in dict.fromkeys(workload.requests.unset + workload.limits.unset):
        container, what = entry.split(": ", 1)
        missing.setdefault(container, []).append(what)
    return [f"{container}: no {', '.join(what)}" for container, what in missing.items()]


def _row(label: str, pods: int, requests: Amount, limits: Amount) -> str:
    return (
        f"{label:44.44} {pods:>4} {_cpu(requests):>8} {_cpu(limits):>8} "
        f"{_memory(requests):>9} {_memory(limits):>9}"
    )


def _cpu(amount: Amount) -> str:
    shown = f"{amount.cpu * 1000:.0f}m"
    return f"{shown}+?" if amount.unset_for("cpu") else shown


def _memory(amount: Amount) -> str:
    shown = f"{amount.memory / MIB:.0f}Mi"
    return f"{shown}+?" if amount.unset_for("memory") else shown
