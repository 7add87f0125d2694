"""The kit's guarantees as plain functions over a resource's type and inputs (camelCase, as the
Pulumi engine hands them to a policy pack), so they run under the pack (policy/__main__.py) and
in the tests against what each stack registers offline, with nothing but Python.

A resource rule takes (type, inputs) and returns violation messages; a stack rule takes every
resource of the stack. An empty list means the resource or stack complies.
"""

from __future__ import annotations

from .aws import (
    eks_vpc_cni_network_policy,
    imds_hop_limit_one,
    irsa_trust_conditions,
    log_group_retention,
)
from .base import Resource, ResourceRule, StackRule
from .kubernetes import (
    images_pinned,
    load_balancer_source_ranges,
    namespace_default_deny,
    namespace_pod_security,
    nodes_proxy_only_fargate_scraper,
    rbac_no_wildcards,
    secrets_only_in_secrets,
)

RESOURCE_RULES: tuple[ResourceRule, ...] = (
    ResourceRule(
        "kit-rbac-no-wildcards",
        "RBAC rules name their API groups, resources and verbs; no built-in admin role is bound",
        rbac_no_wildcards,
    ),
    ResourceRule(
        "kit-load-balancer-source-ranges",
        "A LoadBalancer Service lists loadBalancerSourceRanges that, merged, span no more than "
        "an IPv4 /8 and an IPv6 /11, unless the stack acknowledges it is open to the Internet",
        load_balancer_source_ranges,
    ),
    ResourceRule(
        "kit-namespace-pod-security",
        "Every namespace enforces a Pod Security level",
        namespace_pod_security,
    ),
    ResourceRule(
        "kit-images-pinned",
        "Every container image has a tag other than latest, or a digest",
        images_pinned,
    ),
    ResourceRule(
        "kit-secrets-only-in-secrets",
        "Credentials live in Secrets, not in env values, ConfigMaps or chart values",
        secrets_only_in_secrets,
    ),
    ResourceRule(
        "kit-imds-hop-limit-one",
        "EC2 launch templates answer IMDSv2 only, one hop away (no pod reaches the node role)",
        imds_hop_limit_one,
    ),
    ResourceRule(
        "kit-log-group-retention",
        "Every CloudWatch log group has a retention",
        log_group_retention,
    ),
    ResourceRule(
        "kit-irsa-trust-conditions",
        "A role trusted by a cluster's OIDC provider names its service accounts (sub) and the "
        "STS audience (aud) with StringEquals",
        irsa_trust_conditions,
    ),
)
STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        "kit-nodes-proxy-only-fargate-scraper",
        "Only the Fargate kubelet scraper's service account holds nodes/proxy",
        nodes_proxy_only_fargate_scraper,
    ),
    StackRule(
        "kit-namespace-default-deny",
        "Every namespace has a default-deny NetworkPolicy (every pod, both directions, no rules)",
        namespace_default_deny,
    ),
    StackRule(
        "kit-eks-vpc-cni-network-policy",
        "Every EKS cluster's vpc-cni add-on enables the network policy agent",
        eks_vpc_cni_network_policy,
    ),
)

__all__ = ["RESOURCE_RULES", "STACK_RULES", "Resource", "ResourceRule", "StackRule"]
