"""What the policy pack sees of a stack: every registered resource as (type, name, inputs),
secrets unwrapped (the pack's analyzer hands policies plain values too)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from agent import FARGATE_SCRAPER
from kit.plan import offline
from policy.kit_rules import RESOURCE_RULES, STACK_RULES, Resource

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
ROLE = "aws:iam/role:Role"
EKS_ADDON = "aws:eks/addon:Addon"
BROKEN_CASES = (
    "role-with-wildcard",
    "binding-to-cluster-admin",
    "open-load-balancer",
    "load-balancer-open-in-ipv4-halves",
    "load-balancer-open-in-ipv6-halves",
    "namespace-without-level",
    "image-latest",
    "image-untagged",
    "password-in-env",
    "key-in-configmap",
    "password-in-chart-values",
    "imds-two-hops",
    "imdsv1-allowed",
    "log-group-forever",
    "irsa-without-sub",
    "irsa-namespace-wide-sub",
    "irsa-default-account",
    "irsa-without-aud",
)
BROKEN_STACK_CASES = (
    "nodes-proxy-for-another-account",
    "namespace-with-allow-policies-only",
    "default-deny-with-a-rule",
    "default-deny-ingress-only",
    "default-deny-selecting-some-pods",
    "vpc-cni-without-network-policy",
    "vpc-cni-addon-removed",
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
    # No entry is /0, but together they are all of IPv4 (IPv6), and nothing acknowledges it.
    halves4, halves6 = copy.deepcopy(service), copy.deepcopy(service)
    halves4.props["spec"]["loadBalancerSourceRanges"] = ["0.0.0.0/1", "128.0.0.0/1"]
    halves6.props["spec"]["loadBalancerSourceRanges"] = ["::/1", "8000::/1"]
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
    no_sub = _irsa_role(evaluated, lambda equals, issuer: equals.pop(f"{issuer}:sub"))
    namespace_wide = _irsa_role(
        evaluated,
        lambda equals, issuer: equals.update({f"{issuer}:sub": "system:serviceaccount:o11y-app:*"}),
    )
    default_account = _irsa_role(
        evaluated,
        lambda equals, issuer: equals[f"{issuer}:sub"].append(
            "system:serviceaccount:o11y-app:default"
        ),
    )
    no_aud = _irsa_role(evaluated, lambda equals, issuer: equals.pop(f"{issuer}:aud"))
    return {
        "role-with-wildcard": ("kit-rbac-no-wildcards", role),
        "binding-to-cluster-admin": ("kit-rbac-no-wildcards", admin),
        "open-load-balancer": ("kit-load-balancer-source-ranges", service),
        "load-balancer-open-in-ipv4-halves": ("kit-load-balancer-source-ranges", halves4),
        "load-balancer-open-in-ipv6-halves": ("kit-load-balancer-source-ranges", halves6),
        "namespace-without-level": ("kit-namespace-pod-security", namespace),
        "image-latest": ("kit-images-pinned", latest),
        "image-untagged": ("kit-images-pinned", untagged),
        "password-in-env": ("kit-secrets-only-in-secrets", literal),
        "key-in-configmap": ("kit-secrets-only-in-secrets", config_map),
        "password-in-chart-values": ("kit-secrets-only-in-secrets", release),
        "imds-two-hops": ("kit-imds-hop-limit-one", template),
        "imdsv1-allowed": ("kit-imds-hop-limit-one", imdsv1),
        "log-group-forever": ("kit-log-group-retention", log_group),
        "irsa-without-sub": ("kit-irsa-trust-conditions", no_sub),
        "irsa-namespace-wide-sub": ("kit-irsa-trust-conditions", namespace_wide),
        "irsa-default-account": ("kit-irsa-trust-conditions", default_account),
        "irsa-without-aud": ("kit-irsa-trust-conditions", no_aud),
    }


def _irsa_role(evaluated, change: Callable[[dict, str], Any]) -> Resource:
    """The collectors' IRSA role with its trust conditions changed by change(StringEquals,
    issuer)."""
    role = _one(evaluated, "eks", ROLE, "collector")
    policy = json.loads(role.props["assumeRolePolicy"])
    (statement,) = policy["Statement"]
    issuer = statement["Principal"]["Federated"].partition(":oidc-provider/")[2]
    change(statement["Condition"]["StringEquals"], issuer)
    role.props["assumeRolePolicy"] = json.dumps(policy)
    return role


def broken_stacks(evaluated) -> dict[str, tuple[str, list[Resource]]]:
    """(stack rule, every resource of a stack) with one thing broken per case."""
    deny = "kit-namespace-default-deny"
    return {
        "nodes-proxy-for-another-account": (
            "kit-nodes-proxy-only-fargate-scraper",
            _changed(evaluated, "eks", _scraper_binding, _add_default_account),
        ),
        "namespace-with-allow-policies-only": (
            deny,
            [r for r in stack_resources(evaluated("local")) if not _app_default_deny(r)],
        ),
        "default-deny-with-a-rule": (
            deny,
            _changed(evaluated, "local", _app_default_deny, lambda s: s.update(ingress=[{}])),
        ),
        "default-deny-ingress-only": (
            deny,
            _changed(
                evaluated, "local", _app_default_deny, lambda s: s.update(policyTypes=["Ingress"])
            ),
        ),
        "default-deny-selecting-some-pods": (
            deny,
            _changed(
                evaluated,
                "local",
                _app_default_deny,
                lambda s: s.update(podSelector={"matchLabels": {"tier": "front"}}),
            ),
        ),
        "vpc-cni-without-network-policy": (
            "kit-eks-vpc-cni-network-policy",
            _changed(evaluated, "eks", _cni, lambda p: p.update(configurationValues="{}")),
        ),
        "vpc-cni-addon-removed": (
            "kit-eks-vpc-cni-network-policy",
            [r for r in stack_resources(evaluated("eks")) if not _cni(r)],
        ),
    }


def _changed(evaluated, stack, which, change) -> list[Resource]:
    """The stack's resources, change() applied to the spec (Kubernetes) or inputs (other
    providers) of each one `which` selects."""
    resources = stack_resources(evaluated(stack))
    for r in resources:
        if which(r):
            change(r.props.get("spec", r.props))
    return resources


def _app_default_deny(resource: Resource) -> bool:
    return resource.type == NETWORK_POLICY and resource.name.endswith("o11y-app-default-deny")


def _cni(resource: Resource) -> bool:
    return resource.type == EKS_ADDON and resource.props.get("addonName") == "vpc-cni"


def _scraper_binding(resource: Resource) -> bool:
    return resource.type == CLUSTER_ROLE_BINDING and resource.props["roleRef"]["name"].endswith(
        FARGATE_SCRAPER
    )


def _add_default_account(binding: dict) -> None:
    binding["subjects"].append(
        {"kind": "ServiceAccount", "name": "default", "namespace": "o11y-app"}
    )
