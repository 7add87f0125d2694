"""Proof that the connected cluster is the stack's own, before `break` or `heal` touches it. A
namespace called o11y-monitoring proves nothing: any stack, in any shared cluster, has one.

What only the stack's own `up` can have left: the uid the API server gave the o11y-monitoring
namespace when that `up` created it (the stack's state records it; the namespaces carry no
stack-name label, and a label anyone can copy), and, on aks/eks, the API server address stored
with the cluster's ARN or resource ID. On local, the server must also be the one of the
kubeconfig/context the stack file names."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from components.names import MONITORING_NAMESPACE
from kit.cli.errors import KitError
from kit.cli.kube import PROBE_TIMEOUT_S, Kube

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
# The cluster resource of each cloud: (its ID output, its API server address output)
CLUSTER_TYPES = {
    "aws:eks/cluster:Cluster": ("arn", "endpoint"),
    "azure-native:containerservice:ManagedCluster": ("id", "fqdn"),
}


@dataclass(frozen=True)
class StackIdentity:
    """What the stack's state says its cluster is."""

    stack: str
    cluster: str  # the `cluster` output
    namespace_uid: str
    cluster_id: str = ""  # eks: ARN, aks: resource ID
    api_host: str = ""  # host:port of the API server; local: the stack file's, if it names one


def identity(stack: str, outputs: dict, state: dict, api_host: str = "") -> StackIdentity:
    """Read the identity from `pulumi stack export` (state) and `pulumi stack output`."""
    resources = (state.get("deployment") or {}).get("resources") or []
    uid = next(
        (
            r["outputs"]["metadata"].get("uid", "")
            for r in resources
            if r.get("type") == NAMESPACE_TYPE
            and (r.get("outputs") or {}).get("metadata", {}).get("name") == MONITORING_NAMESPACE
        ),
        "",
    )
    if not uid:
        raise KitError(
            f"stack {stack}'s state records no namespace {MONITORING_NAMESPACE}: is it deployed "
            "(make up)? break and heal act only on a cluster the stack deployed"
        )
    cluster_id = ""
    for resource in resources:
        if resource.get("type") in CLUSTER_TYPES:
            id_key, host_key = CLUSTER_TYPES[resource["type"]]
            found = resource.get("outputs") or {}
            cluster_id, api_host = found.get(id_key, ""), _host(found.get(host_key, ""))
    return StackIdentity(stack, str(outputs.get("cluster", "")), uid, cluster_id, api_host)


def local_api_host(stack_config: dict[str, str]) -> str:
    """The API server of the kubeconfig/context a local stack file names ("" when it names
    neither: the stack then deploys to whatever the current context is)."""
    kubeconfig = stack_config.get("o11y-kit:kubeconfig") or None
    context = stack_config.get("o11y-kit:context") or None
    if not (kubeconfig or context):
        return ""
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=kubeconfig,
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
    except (ConfigException, OSError, ValueError) as err:
        raise KitError(f"the stack file's kubeconfig/context cannot be read: {err}") from None
    return _host(configuration.host)


def prove(kube: Kube, own: StackIdentity) -> None:
    """Raise one line unless the connected cluster is the stack's own."""
    connected = _host(kube.api.configuration.host)
    if own.api_host and connected != own.api_host:
        named = own.cluster_id or own.cluster or "the stack file's context"
        raise KitError(
            f"{kube.where} is the API server {connected}, but stack {own.stack}'s cluster "
            f"({named}) is {own.api_host}: not the stack's cluster, nothing done"
        )
    live = kube.core.read_namespace(MONITORING_NAMESPACE, _request_timeout=PROBE_TIMEOUT_S)
    if live.metadata.uid != own.namespace_uid:
        raise KitError(
            f"namespace {MONITORING_NAMESPACE} in {kube.where} is not the one stack {own.stack} "
            f"created (uid {live.metadata.uid}, the stack recorded {own.namespace_uid}): "
            "not the stack's cluster, nothing done"
        )


def _host(address: str) -> str:
    """host:port of an API server URL or a bare FQDN (port 443 unless said), lower case."""
    if not address:
        return ""
    parsed = urlparse(address if "://" in address else f"https://{address}")
    default = 80 if parsed.scheme == "http" else 443
    return f"{(parsed.hostname or '').lower()}:{parsed.port or default}"
