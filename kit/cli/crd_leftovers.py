"""What `make destroy` leaves in a cluster that outlives the stack: the prometheus-operator's
`monitoring.coreos.com` CustomResourceDefinitions. One line names those still there and says
whether any custom resources of their kinds remain. It only reads; it never deletes anything.

Helm installs a chart's CRDs (kube-prometheus-stack's ten, from its `crds/`) but never upgrades
or deletes them: "There is no support at this time for upgrading or deleting CRDs using Helm"
(Helm docs, Chart Best Practices, Custom Resource Definitions, "Some caveats and
explanations"); the chart's README (Uninstall Helm Chart) says to delete them by hand. The kit
leaves them too: another installation (your own prometheus-operator) may own or use them, and
deleting a CRD deletes every custom resource of its kind in the whole cluster. So this says
whether any remain, and the user decides.

On aks and eks the cluster is one of the stack's resources: destroy deleted it, CRDs included,
so there is nothing to ask (pass --context/--kubeconfig to ask another cluster). On local the
cluster is the one the stack file (or the current context) names, unless it is the kind cluster
the kit created for the stack, which destroy deletes next.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import Counter
from dataclasses import dataclass

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from components.platforms import facts
from components.settings import PROJECT
from kit import stackfile
from kit.cli import cluster_record
from kit.cli.arguments import add_target_options
from kit.cli.errors import KitError
from kit.cli.kube import KIT_NAMESPACES, PROBE_TIMEOUT_S, Kube, connect

GROUP = "monitoring.coreos.com"
SHOWN = 3  # custom resources named in the line; the rest are counted
PREFIX = "crd-leftovers:"


@dataclass(frozen=True)
class Leftovers:
    crds: list[str]  # full names, e.g. prometheuses.monitoring.coreos.com
    resources: list[tuple[str, str, str]]  # (kind, namespace, name) of every custom resource
    unreadable: list[str]  # CRDs whose resources could not be listed, with why

    def line(self, where: str, kubectl: str = "kubectl") -> str:
        if not self.crds:
            return f"{PREFIX} no {GROUP} CRDs in {where}"
        plurals = ", ".join(name.removesuffix(f".{GROUP}") for name in self.crds)
        said = f"{PREFIX} {len(self.crds)} {GROUP} CRDs stay in {where} ({plurals})"
        if self.unreadable:
            return (
                f"{said}; whether anything uses them is unknown: "
                f"could not list {'; '.join(self.unreadable)}"
            )
        if not self.resources:
            return (
                f"{said}, with no custom resources of their kinds left: if nothing of yours "
                f"will use them, `{kubectl} delete crd {' '.join(self.crds)}` removes them"
            )
        return f"{said}; {self._in_use()}"

    def _in_use(self) -> str:
        shown = ", ".join(f"{kind} {ns}/{name}" for kind, ns, name in self.resources[:SHOWN])
        more = len(self.resources) - SHOWN
        count = len(self.resources)
        remain = f"{count} custom resource{'s' if count > 1 else ''} of their kinds "
        remain += f"remain{'' if count > 1 else 's'} ({shown}"
        remain += f", {more} more)" if more > 0 else ")"
        namespaces = {ns for _, ns, _ in self.resources}
        if namespaces <= set(KIT_NAMESPACES):
            return f"{remain}, all in the kit's namespaces, still being deleted: run it again soon"
        per_namespace = Counter(ns or "(cluster)" for _, ns, _ in self.resources)
        where = ", ".join(f"{ns} {n}" for ns, n in sorted(per_namespace.items()))
        return (
            f"{remain}, by namespace: {where}: something else uses them, so keep them (deleting "
            "a CRD deletes every resource of its kind)"
        )


def find(kube: Kube) -> Leftovers:
    """The group's CRDs and every custom resource of their kinds, cluster-wide (reads only)."""
    definitions = client.ApiextensionsV1Api(kube.api).list_custom_resource_definition(
        _request_timeout=PROBE_TIMEOUT_S
    )
    crds = sorted(
        (d for d in definitions.items if d.spec.group == GROUP), key=lambda d: d.metadata.name
    )
    objects = client.CustomObjectsApi(kube.api)
    resources: list[tuple[str, str, str]] = []
    unreadable: list[str] = []
    for crd in crds:
        version = _version(crd)
        try:
            listed = objects.list_cluster_custom_object(
                GROUP, version, crd.spec.names.plural, _request_timeout=PROBE_TIMEOUT_S
            )
        except ApiException as err:
            unreadable.append(f"{crd.spec.names.plural} (HTTP {err.status} {err.reason})")
            continue
        for item in listed.get("items", []):
            meta = item.get("metadata", {})
            resources.append((crd.spec.names.kind, meta.get("namespace", ""), meta.get("name")))
    return Leftovers([c.metadata.name for c in crds], sorted(resources), unreadable)


def _version(crd) -> str:
    """The version the API server stores, else the first it serves."""
    versions = crd.spec.versions or []
    stored = [v.name for v in versions if v.storage]
    served = [v.name for v in versions if v.served]
    return (stored or served or ["v1"])[0]


def main(argv: list[str] | None = None) -> int:
    """Exit 0 once the arguments parse: it runs after `pulumi destroy` has succeeded, and what it
    cannot find out is one line on stderr, not a failed teardown."""
    parser = argparse.ArgumentParser(prog="python -m kit.cli.crd_leftovers", description=__doc__)
    add_target_options(parser)
    args = parser.parse_args(argv)
    if args.stack is None and not (args.context or args.kubeconfig):
        parser.error("give --stack (or --context / --kubeconfig)")
    try:
        print(check(args))
    except (OSError, ValueError, KitError) as err:
        print(f"{PREFIX} nothing checked: {err}", file=sys.stderr)
    return 0


def check(args: argparse.Namespace) -> str:
    cloud = stackfile.read(args.stack).config.get(f"{PROJECT}:cloud") if args.stack else ""
    if cloud and facts(cloud).creates_cluster and not (args.context or args.kubeconfig):
        return (
            f"{PREFIX} stack {args.stack} deletes its own cluster on destroy, CRDs included: "
            "nothing to check (--context asks another cluster)"
        )
    if cloud and not (args.context or args.kubeconfig) and cluster_record.read(args.stack):
        return (
            f"{PREFIX} stack {args.stack}'s kind cluster, which the kit created, is deleted "
            "next, CRDs included: nothing to check"
        )
    kube = connect(args, kit_deployed=False)  # for local: the stack file's kubeconfig, context
    kubectl = shlex.join(
        ["kubectl"]
        + (["--kubeconfig", args.kubeconfig] if args.kubeconfig else [])
        + (["--context", args.context] if args.context else [])
    )
    try:
        return find(kube).line(kube.where, kubectl)
    except ApiException as err:
        raise KitError(
            f"the Kubernetes API of {kube.where} refused to list {GROUP} CRDs "
            f"(HTTP {err.status} {err.reason})"
        ) from None
    except urllib3.exceptions.HTTPError as err:
        raise KitError(f"lost the Kubernetes API of {kube.where}: {err}") from None


if __name__ == "__main__":
    sys.exit(main())
