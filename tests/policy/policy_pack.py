"""What the policy pack sees of a stack: every registered resource as (type, name, inputs),
secrets unwrapped (the pack's analyzer hands policies plain values too)."""

from __future__ import annotations

import copy
from typing import Any

from kit.plan import offline
from policy.kit_rules import RESOURCE_RULES, STACK_RULES, Resource

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
BROKEN_CASES = (
    "role-with-wildcard",
    "binding-to-cluster-admin",
    "open-load-balancer",
    "namespace-without-level",
    "image-latest",
    "image-untagged",
    "password-in-env",
    "key-in-configmap",
    "password-in-chart-values",
    "imds-two-hops",
    "imdsv1-allowed",
    "log-group-forever",
)


def plain(value: Any) -> Any:
    if isinstance(value, offline.Secret):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def stack_resources(evaluation: offline.Evaluation) -> list[Resource]:
    return [Resource(r.type, r.name, plain(r.inputs)) for r in evaluation.resources if r.custom]


def rule(name: str):
    (found,) = [r for r in (*RESOURCE_RULES, *STACK_RULES) if r.name == name]
    return found


def _one(evaluated, stack, type_, name_part=""):
    found = [
        r for r in stack_resources(evaluated(stack)) if r.type == type_ and name_part in r.name
    ]
    return copy.deepcopy(found[0])


def broken_resources(evaluated) -> dict[str, tuple[str, Resource]]:
    """(rule, type, inputs) for one broken variant of a real resource per rule."""
    role = _one(evaluated, "local", CLUSTER_ROLE)
    role.props["rules"].append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]})
    admin = _one(evaluated, "local", CLUSTER_ROLE_BINDING)
    admin.props["roleRef"]["name"] = "cluster-admin"
    service = _one(evaluated, "aks", "kubernetes:core/v1:Service", "front")
    service.props["spec"] = {**service.props["spec"], "type": "LoadBalancer"}
    service.props["spec"].pop("loadBalancerSourceRanges", None)
    namespace = _one(evaluated, "local", "kubernetes:core/v1:Namespace")
    del namespace.props["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
    latest = _one(evaluated, "local", DEPLOYMENT, "front")
    latest.props["spec"]["template"]["spec"]["containers"][0]["image"] = "python:latest"
    untagged = _one(evaluated, "local", DEPLOYMENT, "front")
    untagged.props["spec"]["template"]["spec"]["initContainers"][0]["image"] = "python"
    literal = _one(evaluated, "local", DEPLOYMENT, "front")
    env = literal.props["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "SMTP_PASSWORD", "value": "hunter2"})
    config_map = _one(evaluated, "aks", "kubernetes:core/v1:ConfigMap")
    config_map.props["data"]["extra"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000"
    release = _one(evaluated, "local", "kubernetes:helm.sh/v3:Release", "kps")
    release.props["values"]["grafana"]["adminPassword"] = "admin"
    template = _one(evaluated, "eks", LAUNCH_TEMPLATE)
    template.props["metadataOptions"]["httpPutResponseHopLimit"] = 2
    imdsv1 = _one(evaluated, "eks", LAUNCH_TEMPLATE)
    imdsv1.props["metadataOptions"]["httpTokens"] = "optional"
    log_group = _one(evaluated, "eks", LOG_GROUP)
    del log_group.props["retentionInDays"]
    return {
        "role-with-wildcard": ("kit-rbac-no-wildcards", role),
        "binding-to-cluster-admin": ("kit-rbac-no-wildcards", admin),
        "open-load-balancer": ("kit-load-balancer-source-ranges", service),
        "namespace-without-level": ("kit-namespace-pod-security", namespace),
        "image-latest": ("kit-images-pinned", latest),
        "image-untagged": ("kit-images-pinned", untagged),
        "password-in-env": ("kit-secrets-only-in-secrets", literal),
        "key-in-configmap": ("kit-secrets-only-in-secrets", config_map),
        "password-in-chart-values": ("kit-secrets-only-in-secrets", release),
        "imds-two-hops": ("kit-imds-hop-limit-one", template),
        "imdsv1-allowed": ("kit-imds-hop-limit-one", imdsv1),
        "log-group-forever": ("kit-log-group-retention", log_group),
    }
