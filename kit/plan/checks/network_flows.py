"""The network flows the kit needs (the table in docs/design.md) against the plan's
NetworkPolicies as a whole, ingress and egress, evaluated as the NetworkPolicy API defines them.

A pod is isolated for a direction once any policy of its namespace selects it with that
direction in `policyTypes`; then a flow passes only if one of those policies has a rule whose
peers and ports admit it (policies are additive). Semantics:
https://kubernetes.io/docs/concepts/services-networking/network-policies/

Endpoints in the table: an `app.kubernetes.io/name` value or `label=value`, matched against the
plan's pod templates in every namespace; `...@namespace` says where such pods are when a
controller creates them at run time (Prometheus by its operator, CoreDNS by the cluster), or
stands for a pod no plan creates (another tenant's), so they are taken with just that label;
`outside` is anything beyond the pod network (an ipBlock peer); `internet` is a public address;
`*` is every pod template of the plan and `!spec` takes those pods out of the cell. A flow whose
endpoint is in no pod template and has no `@namespace` does not apply to that stack (e.g. the
sample app turned off). The refused flows (refused_flows.py) use the same evaluation.

An ipBlock admits the outside, and also every pod whose address may lie in it: the stack's pod
CIDRs (eks: the VPC CNI gives pods node-subnet addresses), or any private range where the kit
does not know them. A pod on the host network is the node as far as policies go: most plugins
ignore such pods when matching podSelector and namespaceSelector and treat their traffic like
any node traffic (Kubernetes docs, Network Policies, "hostNetwork pods"), so no policy isolates
it, and a flow to or from it is admitted only by an ipBlock or a rule without peers. A Fargate
pod enforces no policy of its own (EKS user guide, "Limit Pod traffic with Kubernetes network
policies"): its policies still must admit its wanted flows (they say what is meant, and hold
where a plugin enforces them), but only its peers' count when a flow must be refused.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from agent.labels import FARGATE_LABEL
from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.object_index import Index, Json, PodTemplate

DESIGN = Path(__file__).resolve().parents[3] / "docs" / "design.md"
SECTION = "## Network flows"
NAME_LABEL = "app.kubernetes.io/name"
OUTSIDE = "outside"
INTERNET = "internet"
DECLARED = "declared"  # the ports column: every port the target's containers declare
# Where pods' addresses may be when the stack does not say: RFC 1918, RFC 6598 (carrier-grade
# NAT, which some CNIs use), IPv6 unique local addresses.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Flow:
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    ports: tuple[tuple[int, str], ...]  # (port, protocol); empty: DECLARED
    why: str


@dataclass(frozen=True)
class Cluster:
    """The plan's objects and where its pods get addresses (None: any private range)."""

    index: Index
    pod_cidrs: tuple[str, ...] | None = None
    networks: tuple[Network, ...] = field(init=False)

    def __post_init__(self) -> None:
        cidrs = self.pod_cidrs if self.pod_cidrs is not None else PRIVATE_RANGES
        object.__setattr__(self, "networks", tuple(_network(c) for c in cidrs))


@dataclass(frozen=True)
class Endpoint:
    """One concrete side of a flow: pods with `labels` in `namespace`, or the outside."""

    spec: str
    namespace: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    pod: PodTemplate | None = None
    host_network: bool = False

    @property
    def outside(self) -> bool:
        return self.spec in (OUTSIDE, INTERNET)

    @property
    def isolable(self) -> bool:
        """Whether a policy can select it: a pod not on the host network."""
        return not (self.outside or self.host_network)

    @property
    def fargate(self) -> bool:
        return all(dict(self.labels).get(k) == v for k, v in FARGATE_LABEL.items())

    def __str__(self) -> str:
        return self.spec if self.outside else f"{self.namespace}/{self.spec}"


def table(design: Path = DESIGN, section: str = SECTION) -> list[Flow]:
    """The rows of the table `| from | to | port | why |` in the design's `section`."""
    text = design.read_text().split(section, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("|")]
    flows = []
    for row in rows[2:]:  # after the header and its |---| line
        cells = [cell.strip().strip("`") for cell in row.strip("|").split("|")]
        source, target, ports, why = cells
        flows.append(Flow(_split(source), _split(target), _ports(ports), why))
    if not flows:
        raise ValueError(f"{design}: no rows in the table under {section!r}")
    return flows


def check(cluster: Cluster, report: Report, design: Path | None = None) -> None:
    not_here = 0
    for flow, source, target, port in cases(cluster, table(design or DESIGN)):
        if source is None:
            not_here += 1
            continue
        refused = refusal(cluster, source, target, port)
        report.add("network flow", [None if refused is None else _dangling(flow, refused)])
    if not_here:
        report.notes.append(f"{not_here} flow(s) of the table have no pods in this plan")


Case = tuple[str, Endpoint | None, Endpoint | None, tuple[int, str] | None]


def cases(cluster: Cluster, flows: list[Flow]) -> list[Case]:
    """Every (description, source, target, port) the rows spell out; a row with no pods in
    this plan gives one case with source None."""
    found: list[Case] = []
    for flow in flows:
        sources = cell(cluster.index, flow.sources)
        targets = cell(cluster.index, flow.targets)
        if not sources or not targets:
            found.append((f"{flow.sources} -> {flow.targets}", None, None, None))
            continue
        for source in sources:
            for target in targets:
                for port in flow.ports or _declared(target):
                    found.append(
                        (f"flow {source} -> {target} {port[0]}/{port[1]}", source, target, port)
                    )
    return found


def cell(index: Index, specs: tuple[str, ...]) -> list[Endpoint]:
    """The endpoints of one table cell: its specs' pods minus its `!spec` ones."""
    taken = [e for spec in specs if not spec.startswith("!") for e in endpoints(index, spec)]
    dropped = {
        (e.namespace, e.labels)
        for spec in specs
        if spec.startswith("!")
        for e in endpoints(index, spec[1:])
    }
    return [e for e in taken if (e.namespace, e.labels) not in dropped]


def endpoints(index: Index, spec: str) -> list[Endpoint]:
    if spec in (OUTSIDE, INTERNET):
        return [Endpoint(spec)]
    if spec == "*":
        return [_pod_endpoint(pod) for pod in index.pod_templates()]
    selector, _, namespace = spec.partition("@")
    key, _, value = selector.rpartition("=")
    key = key or NAME_LABEL
    found = [
        _pod_endpoint(pod, selector)
        for pod in index.pod_templates()
        if pod.labels.get(key) == value
    ]
    if found or not namespace:
        return found
    return [Endpoint(selector, namespace, ((key, value),))]


def selects(selector: Json | None, labels: dict[str, str]) -> bool:
    """A LabelSelector against labels (an empty selector selects everything)."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        present = key in labels
        if (
            (operator == "In" and labels.get(key) not in values)
            or (operator == "NotIn" and present and labels[key] in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return True


def refusal(
    cluster: Cluster,
    source: Endpoint,
    target: Endpoint,
    port: tuple[int, str],
    fargate_enforces: bool = True,
) -> tuple[str, str] | None:
    """(direction, where) of the policies that refuse the flow; None when it is admitted.
    `fargate_enforces` False: a Fargate pod's own policies refuse nothing, as on EKS."""
    for direction, pod, peer, peer_key in (
        ("Ingress", target, source, "from"),
        ("Egress", source, target, "to"),
    ):
        if not pod.isolable or (pod.fargate and not fargate_enforces):
            continue
        policies = _isolating(cluster.index, pod, direction)
        if policies and not any(
            _rule_admits(cluster, policy, rule, peer, peer_key, target, port)
            for policy in policies
            for rule in policy["spec"].get(direction.lower()) or []
        ):
            names = ", ".join(sorted(p["metadata"]["name"] for p in policies))
            return direction.lower(), f"{pod.namespace}/{{{names}}}"
    return None


def _dangling(flow: str, refused: tuple[str, str]) -> Dangling:
    direction, where = refused
    return Dangling(flow, f"NetworkPolicy {direction}", f"no rule in {where}")


def _isolating(index: Index, pod: Endpoint, direction: str) -> list[Json]:
    labels = dict(pod.labels)
    return [
        policy
        for policy in index.of_kind("NetworkPolicy")
        if index.namespace_of(policy) == pod.namespace
        and direction in _policy_types(policy)
        and selects(policy["spec"].get("podSelector"), labels)
    ]


def _policy_types(policy: Json) -> list[str]:
    spec = policy.get("spec") or {}
    if spec.get("policyTypes"):
        return spec["policyTypes"]
    return ["Ingress", *(["Egress"] if spec.get("egress") else [])]


def _rule_admits(
    cluster: Cluster,
    policy: Json,
    rule: Json,
    peer: Endpoint,
    peer_key: str,
    target: Endpoint,
    port: tuple[int, str],
) -> bool:
    peers = rule.get(peer_key)
    peer_ok = not peers or any(_peer_admits(cluster, policy, p, peer) for p in peers)
    return peer_ok and _port_admits(rule.get("ports"), port, target)


def _peer_admits(cluster: Cluster, policy: Json, peer: Json, other: Endpoint) -> bool:
    index = cluster.index
    if "ipBlock" in peer:
        return _block_admits(cluster, peer["ipBlock"], other)
    if other.outside or other.host_network:
        return False
    if "namespaceSelector" in peer:
        namespace_ok = selects(peer["namespaceSelector"], index.namespace_labels(other.namespace))
    else:
        namespace_ok = other.namespace == index.namespace_of(policy)
    return namespace_ok and selects(peer.get("podSelector"), dict(other.labels))


def _block_admits(cluster: Cluster, block: Json, other: Endpoint) -> bool:
    """The internet: a block beyond the private ranges; the outside and host-network pods: any
    block; a pod: a block over the pod CIDRs, unless its `except` covers them."""
    cidr = _network(block["cidr"])
    if other.spec == INTERNET:
        return not any(cidr.subnet_of(r) for r in _private() if r.version == cidr.version)
    if other.outside or other.host_network:
        return True
    excepted = [_network(e) for e in block.get("except") or []]
    return any(
        cidr.overlaps(pods) and not any(_covers(e, cidr, pods) for e in excepted)
        for pods in cluster.networks
        if pods.version == cidr.version
    )


def _covers(excepted: Network, cidr: Network, pods: Network) -> bool:
    """Whether `excepted` takes every pod address of `cidr` out."""
    inside = pods if pods.subnet_of(cidr) else cidr  # the smaller of two overlapping networks
    return excepted.version == inside.version and inside.subnet_of(excepted)


def _private() -> tuple[Network, ...]:
    return tuple(_network(r) for r in PRIVATE_RANGES)


def _network(cidr: str) -> Network:
    return ipaddress.ip_network(cidr, strict=False)


def _declared(target: Endpoint) -> tuple[tuple[int, str], ...]:
    if target.pod is None:
        return ()
    return tuple(
        sorted(
            {
                (p["containerPort"], p.get("protocol", "TCP"))
                for c in target.pod.containers()
                for p in c.get("ports", [])
            }
        )
    )


def _port_admits(ports: list[Json] | None, port: tuple[int, str], target: Endpoint) -> bool:
    if not ports:
        return True
    number, protocol = port
    for allowed in ports:
        if allowed.get("protocol", "TCP") != protocol:
            continue
        value = allowed.get("port")
        if value is None or value == number:
            return True
        if isinstance(value, int) and value <= number <= allowed.get("endPort", value):
            return True
        if isinstance(value, str) and number in _named_ports(target, value):
            return True
    return False


def _named_ports(target: Endpoint, name: str) -> set[int]:
    if target.pod is None:
        return set()
    return {
        p["containerPort"]
        for c in target.pod.containers()
        for p in c.get("ports", [])
        if p.get("name") == name
    }


def _pod_endpoint(pod: PodTemplate, spec: str | None = None) -> Endpoint:
    name = spec or pod.labels.get(NAME_LABEL) or pod.name
    host = bool(pod.spec.get("hostNetwork"))
    return Endpoint(name, pod.namespace, tuple(sorted(pod.labels.items())), pod, host)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("`") for part in cell.split(",") if part.strip())


def _ports(cell: str) -> tuple[tuple[int, str], ...]:
    if cell.strip() == DECLARED:
        return ()
    found = re.findall(r"(\d+)/(TCP|UDP|SCTP)", cell)
    if not found:
        raise ValueError(f"flows table: no port/protocol in {cell!r}")
    return tuple((int(number), protocol) for number, protocol in found)
