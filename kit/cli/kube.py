"""Which cluster the CLI talks to, and one connection check that turns "no cluster", "wrong
context" and "kit not deployed here" into one-line messages instead of tracebacks.

Precedence: --kubeconfig/--context; else the stack output `kubeconfig` (aks/eks, when the
Pulumi CLI is installed and --stack is given); else, for a stack on local, its file's kubeconfig
and context, or the kind cluster the kit created for it; else the current context."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from components.names import AGENT_NAMESPACE, APP_NAMESPACE, MONITORING_NAMESPACE, NODE_NAMESPACE
from components.platforms import PLATFORMS, facts
from kit import stackfile
from kit.cli import cluster_record
from kit.cli.errors import KitError
from kit.cli.stack import pulumi_available, stack_outputs

PROBE_TIMEOUT_S = 8
CLOUDS = tuple(PLATFORMS)  # the stack names `make up` uses, which are also the clouds
FARGATE_NODE_LABEL = "eks.amazonaws.com/compute-type"


@dataclass
class Kube:
    """A checked connection to a cluster where the kit is deployed."""

    api: client.ApiClient
    where: str  # for messages: the context or stack it came from
    outputs: dict = field(default_factory=dict)  # stack outputs, secrets included: never print

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api)

    def vm_nodes(self) -> list:
        """Nodes that can run a DaemonSet (everything but EKS Fargate's one-pod nodes)."""
        return [n for n in self.nodes() if not is_fargate(n)]

    def nodes(self) -> list:
        return self.core.list_node(_request_timeout=PROBE_TIMEOUT_S).items


def cloud_of(nodes: list) -> str:
    """The cloud whose nodes' providerID these are (PlatformFacts.node_provider_id); the one
    without a prefix (local) for any other cluster."""
    ids = [n.spec.provider_id or "" for n in nodes]
    for cloud in PLATFORMS:
        prefix = facts(cloud).node_provider_id
        if prefix and any(i.startswith(prefix) for i in ids):
            return cloud
    return next(cloud for cloud in PLATFORMS if facts(cloud).node_provider_id is None)


def is_fargate(node) -> bool:
    return (node.metadata.labels or {}).get(FARGATE_NODE_LABEL) == "fargate"


def connect(args: argparse.Namespace, kit_deployed: bool = True) -> Kube:
    """Load the kubeconfig the options point at and check that the kit's namespaces exist; with
    kit_deployed=False (after destroy) read no stack outputs and check only that the API server
    answers."""
    outputs: dict = {}
    explicit = args.kubeconfig or args.context
    stack_config = _stack_config(args.stack) if args.stack else {}
    cloud = stack_config.get("o11y-kit:cloud", "")
    option = "--kubeconfig"
    ours = bool(cloud) and facts(cloud).creates_cluster
    if cloud and not ours and not explicit:
        # The cluster `make up` deployed to: the stack's own kubeconfig/context, if it sets them.
        args.kubeconfig = stack_config.get("o11y-kit:kubeconfig") or None
        args.context = stack_config.get("o11y-kit:context") or None
        option = f"stack {args.stack}'s kubeconfig"
        created = None if args.kubeconfig or args.context else cluster_record.read(args.stack)
        if created:  # the kind cluster `make up` created for the stack (kit/cli/kind_cluster.py)
            args.kubeconfig, args.context = created["kubeconfig"], created["context"]
    if args.kubeconfig and not Path(args.kubeconfig).expanduser().is_file():
        raise KitError(f"{option} {args.kubeconfig}: no such file")
    if args.stack and pulumi_available() and kit_deployed:
        outputs = stack_outputs(args.stack)
    elif args.stack and not explicit and ours:
        # The stack's kubeconfig is one of its outputs; the current context may be any cluster.
        raise KitError(
            f"stack {args.stack}: its kubeconfig is a stack output, read through the Pulumi CLI, "
            "which is not installed (curl -fsSL https://get.pulumi.com | sh); or choose the "
            "cluster yourself with --context/--kubeconfig (after az aks get-credentials or aws "
            "eks update-kubeconfig)"
        )
    configuration = client.Configuration()
    where = _load(args, outputs, configuration)
    # One quick retry of a refused connection; never of a read that timed out (that would double
    # the wait before the one-line message).
    configuration.retries = urllib3.util.Retry(total=1, connect=1, read=0, redirect=0, status=0)
    kube = Kube(client.ApiClient(configuration), where, outputs)
    _check_answers(kube, configuration.host, kit_deployed)
    return kube


def _load(args: argparse.Namespace, outputs: dict, configuration: client.Configuration) -> str:
    try:
        if args.kubeconfig or args.context or "kubeconfig" not in outputs:
            config.load_kube_config(
                config_file=args.kubeconfig,
                context=args.context,
                client_configuration=configuration,
                persist_config=False,
            )
            return f"context {args.context or _current_context(args.kubeconfig)}"
        config.load_kube_config_from_dict(
            yaml.safe_load(outputs["kubeconfig"]),
            client_configuration=configuration,
            persist_config=False,
        )
        return f"stack {args.stack}"
    except (ConfigException, OSError, ValueError, yaml.YAMLError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise KitError(f"no usable kubeconfig: {first_line}") from None


def _stack_config(stack: str) -> dict[str, str]:
    """The stack file's config, or one line saying why it cannot be read."""
    try:
        return stackfile.read(stack).config
    except (OSError, ValueError) as err:
        raise KitError(str(err)) from None


def _current_context(kubeconfig: str | None) -> str:
    try:
        _, active = config.list_kube_config_contexts(config_file=kubeconfig)
    except (ConfigException, OSError):
        return "(unknown)"
    return active["name"] if active else "(none)"


def _check_answers(kube: Kube, host: str, kit_deployed: bool) -> None:
    try:
        if kit_deployed:
            kube.core.read_namespace(MONITORING_NAMESPACE, _request_timeout=PROBE_TIMEOUT_S)
        else:  # /version: everyone may read it (the system:public-info-viewer ClusterRole)
            client.VersionApi(kube.api).get_code(_request_timeout=PROBE_TIMEOUT_S)
    except ApiException as err:
        if err.status == 404 and kit_deployed:
            raise KitError(
                f"the kit is not deployed in {kube.where} (no namespace {MONITORING_NAMESPACE}): "
                "run make up, or choose the cluster with --stack / --context"
            ) from None
        raise KitError(describe_api_error(err, kube.where)) from None
    except urllib3.exceptions.HTTPError as err:
        raise KitError(
            f"cannot reach the Kubernetes API at {host} ({kube.where}): {_reason(err)}"
        ) from None


def describe_api_error(err: ApiException, where: str) -> str:
    if err.status == 401:
        return f"the Kubernetes API refused the credentials of {where} (HTTP 401: not logged in)"
    if err.status == 403:
        return (
            f"the Kubernetes API accepted the credentials of {where} but does not allow them to "
            "read the kit's namespaces (HTTP 403: an RBAC or access-entry problem, not a login "
            "one); use the deployer's identity or a cluster-admin context"
        )
    return f"Kubernetes API error in {where}: HTTP {err.status} {err.reason}"


def _reason(err: Exception) -> str:
    reason = getattr(err, "reason", None) or err
    text = str(reason)
    if "Connection refused" in text:
        return "connection refused"
    if isinstance(reason, urllib3.exceptions.TimeoutError) or "timed out" in text:
        return f"no answer within {PROBE_TIMEOUT_S} s (a firewall, a VPN or a stopped cluster?)"
    return text.splitlines()[0][:200]


KIT_NAMESPACES = (MONITORING_NAMESPACE, NODE_NAMESPACE, AGENT_NAMESPACE, APP_NAMESPACE)
