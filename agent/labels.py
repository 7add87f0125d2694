"""Standard `app.kubernetes.io/*` labels, so `kubectl get -l app.kubernetes.io/part-of=o11y-kit`
finds everything the kit created and nothing else. Here in agent/, the lowest layer, so the agent's
manifests and the components above share one definition (the import contracts in pyproject.toml)."""

PART_OF = "o11y-kit"


def kit_labels(name: str, component: str) -> dict[str, str]:
    """Labels for one object of the kit (recommended labels, Kubernetes docs)."""
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    }


# Pods with this label in the app namespace run on EKS Fargate: the eks Fargate profile selects
# it, the sample app sets it on the tiers in `fargateTiers`.
FARGATE_LABEL = {"o11y-kit/compute": "fargate"}
# The Fargate collectors' names (components/platforms/eks/fargate_collectors.py), here so the
# NetworkPolicies, alert rules and the sample app name them without importing a platform.
FARGATE_SCRAPER = "otel-fargate-scraper"
FARGATE_GATEWAY = "otel-fargate-gateway"
