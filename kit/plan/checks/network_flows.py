"""The network flows the kit needs (the table in docs/design.md) against the plan's
NetworkPolicies as a whole, ingress and egress, evaluated as the NetworkPolicy API defines them.

A pod is isolated for a direction once any policy of its namespace selects it with that
direction in `policyTypes`; then a flow passes only if one of those policies has a rule whose
peers and ports admit it (policies are additive). Semantics:
https://kubernetes.io/docs/concepts/services-networking/network-policies/

Endpoints in the table: an `app.kubernetes.io/name` value or `label=value`, matched against the
plan's pod templates in every namespace; `...@namespace` says where such pods are when a
controller creates them at run time (Prometheus by its operator, CoreDNS by the cluster), so
they are taken with just that label; `outside` is anything beyond the pod network (an ipBlock
peer); `*` is every pod template of the plan. A flow whose endpoint is in no pod template and
has no `@namespace` does not apply to that stack (e.g. the sample app turned off).

A pod on the host network is the node as far as policies go: most plugins ignore such pods when
matching podSelector and namespaceSelector and treat their traffic like any node traffic
(Kubernetes docs, Network Policies, "hostNetwork pods"), so no policy isolates it, and a flow to
or from it is admitted only by an ipBlock or a rule without peers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.object_index import Index, Json, PodTemplate

DESIGN = Path(__file__).resolve().parents[3] / "docs" / "design.md"
SECTION = "## Network flows"
NAME_LABEL = "app.kubernetes.io/name"
OUTSIDE = "outside"
EVERYWHERE = ("0.0.0.0/0", "::/0")
WHEELHOUSE_PORT = ((8000, "TCP"),)


@dataclass(frozen=True)
class Flow:
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    ports: tuple[tuple[int, str], ...]  # (port, protocol)
    why: str


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
        return self.spec == OUTSIDE

    def __str__(self) -> str:
        return self.spec if self.outside else f"{self.namespace}/{self.spec}"


# Flows the policies must refuse, kept apart from the wanted table: of the app's pods only the
# wheelhouse reaches the Internet, and only the tiers reach the wheelhouse.
REFUSED = (
    Flow(
        ("sample-front", "sample-middle", "sample-back", "sample-loadgen"),
        (OUTSIDE,),
        ((443, "TCP"),),
        "the tiers install from the wheelhouse, never from the Internet",
    ),
    Flow((OUTSIDE, "sample-loadgen"), ("sample-wheelhouse",), WHEELHOUSE_PORT, "tiers only"),
)


def table(design: Path = DESIGN) -> list[Flow]:
    """The rows of the table `| from | to | port | why |` in the design's SECTION."""
    section = design.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    flows = []
    for row in rows[2:]:  # after the header and its |---| line
        cells = [cell.strip().strip("`") for cell in row.strip("|").split("|")]
        source, target, ports, why = cells
        flows.append(Flow(_split(source), _split(target), _ports(ports), why))
    if not flows:
        raise ValueError(f"{design}: no rows in the table under {SECTION!r}")
    return flows


def check(index: Index, report: Report, design: Path | None = None) -> None:
    not_here = 0
    for flow in table(design or DESIGN):
        sources = [e for spec in flow.sources for e in endpoints(index, spec)]
        targets = [e for spec in flow.targets for e in endpoints(index, spec)]
        if not sources or not targets:
            not_here += 1
            continue
        for source in sources:
            for target in targets:
                for port in flow.ports:
                    report.add("network flow", [_admitted(index, source, target, port)])
    for flow in REFUSED:
        for source, target, port in _each(index, flow):
            report.add("refused flow", [_refused(index, source, target, port)])
    if not_here:
        report.notes.append(f"{not_here} flow(s) of the table have no pods in this plan")


def endpoints(index: Index, spec: str) -> list[Endpoint]:
    if spec == OUTSIDE:
        return [Endpoint(OUTSIDE)]
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


def _each(index: Index, flow: Flow) -> list[tuple[Endpoint, Endpoint, tuple[int, str]]]:
    sources = [e for spec in flow.sources for e in endpoints(index, spec)]
    targets = [e for spec in flow.targets for e in endpoints(index, spec)]
    return [(s, t, port) for s in sources for t in targets for port in flow.ports]


def _refused(
    index: Index, source: Endpoint, target: Endpoint, port: tuple[int, str]
) -> Dangling | None:
    if _admitted(index, source, target, port) is not None:
        return None
    return Dangling(
        f"flow {source} -> {target} {port[0]}/{port[1]}", "refused flow", "a rule that admits it"
    )


def _admitted(
    index: Index, source: Endpoint, target: Endpoint, port: tuple[int, str]
) -> Dangling | None:
    flow = f"flow {source} -> {target} {port[0]}/{port[1]}"
    for direction, pod, peer, peer_key in (
        ("Ingress", target, source, "from"),
        ("Egress", source, target, "to"),
    ):
        if pod.outside or pod.host_network:
            continue
        policies = _isolating(index, pod, direction)
        if policies and not any(
            _rule_admits(index, policy, rule, peer, peer_key, target, port)
            for policy in policies
            for rule in policy["spec"].get(direction.lower()) or []
        ):
            names = ", ".join(sorted(p["metadata"]["name"] for p in policies))
            where = f"{pod.namespace}/{{{names}}}"
            return Dangling(flow, f"NetworkPolicy {direction.lower()}", f"no rule in {where}")
    return None


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
    index: Index,
    policy: Json,
    rule: Json,
    peer: Endpoint,
    peer_key: str,
    target: Endpoint,
    port: tuple[int, str],
) -> bool:
    peers = rule.get(peer_key)
    peer_ok = not peers or any(_peer_admits(index, policy, p, peer) for p in peers)
    return peer_ok and _port_admits(rule.get("ports"), port, target)


def _peer_admits(index: Index, policy: Json, peer: Json, other: Endpoint) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        everywhere = block.get("cidr") in EVERYWHERE and not block.get("except")
        return other.outside or other.host_network or everywhere
    if other.outside or other.host_network:
        return False
    if "namespaceSelector" in peer:
        namespace_ok = selects(peer["namespaceSelector"], index.namespace_labels(other.namespace))
    else:
        namespace_ok = other.namespace == index.namespace_of(policy)
    return namespace_ok and selects(peer.get("podSelector"), dict(other.labels))


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
    found = re.findall(r"(\d+)/(TCP|UDP|SCTP)", cell)
    if not found:
        raise ValueError(f"flows table: no port/protocol in {cell!r}")
    return tuple((int(number), protocol) for number, protocol in found)
