"""Kubernetes rules over the objects the kit registers (Helm releases are seen by their values
only: what a chart renders is checked by `kit plan`, not here)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import cidrs
from .base import Props, Resource, k8s_kind

# The only account that may hold nodes/proxy (it lets its holder reach every kubelet, exec
# included): the collector that scrapes the Fargate kubelets through the API server's proxy, a
# Deployment of its own with no Service and no ingress (agent/fargate_collectors.py);
# tests/policy/test_policy_pack.py keeps this equal to the program's components.namespaces.AGENT and
# agent.FARGATE_SCRAPER.
FARGATE_SCRAPER_ACCOUNT = ("o11y-agent", "otel-fargate-scraper")
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")
POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce"
# Built-in roles that grant `*` (cluster-admin) or nearly so: binding them is a wildcard too.
WILDCARD_ROLES = ("cluster-admin", "admin", "edit")
# Names of settings that hold a credential (env vars, chart values, ConfigMap keys); a chart's
# `existingSecret` names a Secret, it holds none.
CREDENTIAL_NAME = re.compile(
    r"(?<!existing)"
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CONNECTION_?STRING|CREDENTIAL)S?$",
    re.IGNORECASE,
)
# Text that only a credential contains (Application Insights and storage connection strings,
# PEM private keys, AWS secret keys).
CREDENTIAL_TEXT = re.compile(
    r"InstrumentationKey=|AccountKey=|-----BEGIN [A-Z ]*PRIVATE KEY-----|aws_secret_access_key",
)
POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def rbac_no_wildcards(resource_type: str, props: Props) -> list[str]:
    kind = k8s_kind(resource_type)
    if kind in ("Role", "ClusterRole"):
        return [
            f"rule {i}: {field} {_plain(rule[field])!r} contains a wildcard"
            for i, rule in enumerate(props.get("rules") or [])
            for field in ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs")
            if any("*" in v for v in rule.get(field) or [])
        ]
    if kind in ("RoleBinding", "ClusterRoleBinding"):
        role = (props.get("roleRef") or {}).get("name")
        if role in WILDCARD_ROLES:
            return [f"binds the built-in {role!r} role, which grants wildcards"]
    return []


def load_balancer_source_ranges(resource_type: str, props: Props) -> list[str]:
    """Source ranges that, merged, span much of the Internet count as none, unless the stack
    acknowledged it (frontendOpenToInternet: true sets the annotation)."""
    spec = props.get("spec") or {}
    if k8s_kind(resource_type) != "Service" or spec.get("type") != "LoadBalancer":
        return []
    ranges = spec.get("loadBalancerSourceRanges") or []
    if not ranges:
        return ["a LoadBalancer without loadBalancerSourceRanges is open to every address"]
    try:
        wide = cidrs.internet_wide(ranges)
    except ValueError as err:
        return [f"loadBalancerSourceRanges: {err}"]
    annotations = (props.get("metadata") or {}).get("annotations") or {}
    if wide and annotations.get(cidrs.OPEN_TO_INTERNET_ANNOTATION) != "true":
        return [
            f"loadBalancerSourceRanges {cidrs.spans(wide)}: open to the Internet without the "
            f"{cidrs.OPEN_TO_INTERNET_ANNOTATION} annotation (frontendOpenToInternet: true)"
        ]
    return []


def namespace_pod_security(resource_type: str, props: Props) -> list[str]:
    if k8s_kind(resource_type) != "Namespace":
        return []
    level = ((props.get("metadata") or {}).get("labels") or {}).get(POD_SECURITY_LABEL)
    if level not in POD_SECURITY_LEVELS:
        return [f"label {POD_SECURITY_LABEL} is {level!r}, not one of {POD_SECURITY_LEVELS}"]
    return []


def images_pinned(resource_type: str, props: Props) -> list[str]:
    return [
        f"container {c.get('name')!r}: image {c.get('image')!r} is not pinned "
        "(use a tag other than latest, or @sha256:<digest>)"
        for c in _containers(resource_type, props)
        if not _pinned(c.get("image") or "")
    ]


def secrets_only_in_secrets(resource_type: str, props: Props) -> list[str]:
    kind = k8s_kind(resource_type)
    if kind in (None, "Secret"):
        return []
    problems = [
        f"container {c.get('name')!r}: env {e['name']} holds a literal value; "
        "use valueFrom.secretKeyRef"
        for c in _containers(resource_type, props)
        for e in c.get("env") or []
        if CREDENTIAL_NAME.search(e.get("name", "")) and e.get("value")
    ]
    if kind == "ConfigMap":
        for key, text in (props.get("data") or {}).items():
            if CREDENTIAL_NAME.search(key) or CREDENTIAL_TEXT.search(str(text)):
                problems.append(f"data[{key!r}] holds a credential; put it in a Secret")
    if resource_type == "kubernetes:helm.sh/v3:Release":
        problems += [
            f"values.{path} holds a literal credential; point the chart at a Secret"
            for path, value in _leaves(props.get("values") or {})
            if CREDENTIAL_NAME.search(path.rsplit(".", 1)[-1]) and isinstance(value, str) and value
        ]
    return problems


def nodes_proxy_only_fargate_scraper(resources: list[Resource]) -> list[str]:
    """Every binding of a role that grants nodes/proxy names the scraper's account only."""
    granting = {
        (k8s_kind(r.type), _meta(r).get("namespace"), _meta(r).get("name"))
        for r in resources
        if k8s_kind(r.type) in ("Role", "ClusterRole") and _grants_nodes_proxy(r.props)
    }
    scraper = {"kind": "ServiceAccount", "namespace": FARGATE_SCRAPER_ACCOUNT[0],
               "name": FARGATE_SCRAPER_ACCOUNT[1]}  # fmt: skip
    problems = []
    for r in resources:
        kind = k8s_kind(r.type)
        if kind not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        ref = r.props.get("roleRef") or {}
        scope = None if ref.get("kind") == "ClusterRole" else _meta(r).get("namespace")
        if (ref.get("kind"), scope, ref.get("name")) not in granting:
            continue
        others = [
            s for s in r.props.get("subjects") or [] if {k: s.get(k) for k in scraper} != scraper
        ]
        if others:
            problems.append(
                f"{kind} {_meta(r).get('name')!r} gives nodes/proxy to {_plain(others)!r}; only "
                f"{'/'.join(FARGATE_SCRAPER_ACCOUNT)} may hold it"
            )
    return problems


def namespace_default_deny(resources: list[Resource]) -> list[str]:
    """Each namespace starts from a policy that selects every pod and admits nothing either way:
    any single NetworkPolicy would leave the pods it does not select open, and an Ingress-only
    one every pod's egress."""
    covered = {
        _meta(r).get("namespace")
        for r in resources
        if k8s_kind(r.type) == "NetworkPolicy" and _denies_all(r.props.get("spec") or {})
    }
    return [
        f"namespace {_meta(r).get('name')!r} has no default-deny NetworkPolicy (podSelector {{}}, "
        "policyTypes Ingress and Egress, no rules)"
        for r in resources
        if k8s_kind(r.type) == "Namespace" and _meta(r).get("name") not in covered
    ]


def _meta(resource: Resource) -> Props:
    return resource.props.get("metadata") or {}


def _denies_all(spec: Props) -> bool:
    selector = spec.get("podSelector")
    return (
        selector is not None
        and not any(selector.get(k) for k in ("matchLabels", "matchExpressions"))
        and set(spec.get("policyTypes") or []) == {"Ingress", "Egress"}
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def _grants_nodes_proxy(role: Props) -> bool:
    return any(
        "" in (rule.get("apiGroups") or [])
        and {"nodes/proxy", "nodes/*", "*"} & set(rule.get("resources") or [])
        for rule in role.get("rules") or []
    )


def _containers(resource_type: str, props: Props) -> Iterator[Props]:
    path = POD_SPEC_PATHS.get(k8s_kind(resource_type) or "")
    if path is None:
        return
    spec: Any = props
    for key in path:
        spec = (spec or {}).get(key)
    for field in ("initContainers", "containers", "ephemeralContainers"):
        yield from (spec or {}).get(field) or []


def _pinned(image: str) -> bool:
    name, _, digest = image.partition("@")
    if digest:
        return re.fullmatch(r"sha256:[0-9a-f]{64}", digest) is not None
    tag = name.rsplit("/", 1)[-1].partition(":")[2]
    return bool(tag) and tag != "latest"


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every scalar; Mapping and Sequence, since the pack hands the
    rules read-only proxies, not dicts and lists."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _plain(value: Any) -> Any:
    """dicts and lists for messages (the pack's proxies have no readable repr)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value
