"""Building blocks of the kit's NetworkPolicies (plain dicts, networking.k8s.io/v1).

Every kit namespace starts from `baseline()`: all ingress and egress denied, then DNS to the
cluster's resolver; each workload's policy adds the flows it needs (docs/design.md, "Network
flows", which `python -m kit plan` checks against the policies as a whole, kit/flows.py).

Destinations that are not pods are admitted by port alone (a rule without `to`, which the API
defines as every destination), because no peer selects them portably:
- the API server: pods reach it through the `kubernetes` Service, and "it is not defined whether
  [DNAT] happens before or after NetworkPolicy processing" (Kubernetes docs, Network Policies,
  "Behavior of to and from selectors"), so an ipBlock would have to name both the Service IP
  and the endpoints, which live outside the pod network (EKS: ENIs in the VPC; AKS: a public or
  private IP; kind: the node's 6443), and Cilium (aks) matches the API server and the nodes by
  identity, not by ipBlock (Cilium docs, Network Policy: "As of v1.15, ipBlock can now
  optionally select node IPs"; cilium/cilium#14724);
- kubelets (10250) and host-network pods (node-exporter 9100, the eks node agent) listen on the
  node's IP; most plugins ignore host-network pods when matching podSelector and
  namespaceSelector and treat their traffic "the same as all other traffic to/from the node IP"
  (Kubernetes docs, Network Policies, "hostNetwork pods"). No policy applies to such a pod
  itself: the eks node agent and node-exporter are reached and reach out as the node does.
NetworkPolicies never block the node's own traffic to its pods (kubelet probes) nor
`kubectl port-forward`, which the kubelet carries into the pod's network namespace.
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
