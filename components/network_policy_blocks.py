"""Building blocks of the kit's NetworkPolicies (plain dicts, networking.k8s.io/v1).

Every kit namespace starts from `baseline()`: all ingress and egress denied, then DNS to the
cluster's resolver; each workload's policy adds the flows it needs (docs/design.md, "Network
flows", which `python -m kit plan` checks against the policies as a whole,
kit/plan/checks/network_flows.py).

Destinations that are not pods are admitted by port alone (a rule without `to`), because no
peer selects them portably:
- the API server: whether the `kubernetes` Service's DNAT happens before NetworkPolicy is
  undefined (Kubernetes docs, Network Policies, "Behavior of to and from selectors"), its
  endpoints live outside the pod network, and Cilium (aks) matches it by identity, not ipBlock
  (Cilium docs, Network Policy; cilium/cilium#14724);
- kubelets (10250) and host-network pods (node-exporter, eks Container Insights) listen on the
  node's IP, which most plugins treat as node traffic (Kubernetes docs, Network Policies,
  "hostNetwork pods").
"""

from __future__ import annotations

from typing import Any

from agent.labels import kit_labels

Json = dict[str, Any]
NAME = "app.kubernetes.io/name"
NAMESPACE_NAME = "kubernetes.io/metadata.name"  # set by the API server on every namespace
API_SERVER_PORTS = (443, 6443)  # the `kubernetes` Service, and the endpoint port of kubeadm/kind
KUBELET_PORT = 10250


def pods(namespace: str | None = None, **labels: str) -> Json:
    """Pods with `labels` (every pod when none), in `namespace` or the policy's own."""
    peer: Json = {"podSelector": {"matchLabels": labels} if labels else {}}
    if namespace is not None:
        peer["namespaceSelector"] = {"matchLabels": {NAMESPACE_NAME: namespace}}
    return peer


def named(name: str, namespace: str | None = None) -> Json:
    """Pods with app.kubernetes.io/name `name`."""
    return pods(namespace, **{NAME: name})


def block(cidr: str) -> Json:
    return {"ipBlock": {"cidr": cidr}}


def tcp(*ports: int) -> list[Json]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def rule(peers: list[Json] | None, ports: list[Json], direction: str) -> Json:
    """One ingress (`from`) or egress (`to`) rule; `peers` None admits every address."""
    found: Json = {} if peers is None else {"from" if direction == "ingress" else "to": peers}
    return {**found, "ports": ports}


def ingress(peers: list[Json] | None, *ports: int) -> Json:
    return rule(peers, tcp(*ports), "ingress")


def egress(peers: list[Json] | None, *ports: int) -> Json:
    return rule(peers, tcp(*ports), "egress")


def api_server() -> Json:
    """Egress to the Kubernetes API (see the module docstring for why by port alone)."""
    return egress(None, *API_SERVER_PORTS)


def policy(
    name: str,
    namespace: str,
    selector: Json,
    ingress_rules: list[Json] | None = None,
    egress_rules: list[Json] | None = None,
) -> Json:
    """A policy for the pods `selector` picks, in the directions given (an empty list admits
    nothing more in that direction)."""
    spec: Json = {"podSelector": selector, "policyTypes": []}
    for direction, rules in (("Ingress", ingress_rules), ("Egress", egress_rules)):
        if rules is not None:
            spec["policyTypes"].append(direction)
            spec[direction.lower()] = rules
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": kit_labels(name, "network")},
        "spec": spec,
    }


def for_pods(name: str, namespace: str, peer: Json, **rules: list[Json]) -> Json:
    """`policy` for the pods a `named()`/`pods()` peer of this namespace selects."""
    return policy(name, namespace, peer["podSelector"], rules.get("ingress"), rules.get("egress"))


def baseline(namespace: str) -> list[Json]:
    """Deny everything in and out of every pod of `namespace`, then let them resolve names
    (CoreDNS, k8s-app=kube-dns in kube-system on kind, AKS and EKS)."""
    dns = pods("kube-system", **{"k8s-app": "kube-dns"})
    dns_ports = [{"protocol": protocol, "port": 53} for protocol in ("UDP", "TCP")]
    return [
        policy("default-deny", namespace, {}, [], []),
        policy("allow-dns", namespace, {}, egress_rules=[rule([dns], dns_ports, "egress")]),
    ]
