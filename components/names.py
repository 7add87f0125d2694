"""Names and ports of what the kit deploys, written once: the components create the objects under
them and the cluster commands (kit/cli) find the objects by them. No Pulumi import here, so
`python -m kit status` starts without loading the SDKs (tests/kit/cli/test_kitcli_imports.py)."""

from __future__ import annotations

from components import versions

# Namespaces (components/namespaces.py gives each its Pod Security level).
MONITORING_NAMESPACE = "o11y-monitoring"
NODE_NAMESPACE = "o11y-node"
AGENT_NAMESPACE = "o11y-agent"
APP_NAMESPACE = "o11y-app"

# Release names are fixed so Service names are predictable for the agent and the walkthrough.
KPS_RELEASE = versions.KUBE_PROMETHEUS_STACK_CHART.release
LOKI_RELEASE = versions.LOKI_CHART.release
TEMPO_RELEASE = versions.TEMPO_CHART.release
GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_ROLE = "grafana-configmap-reader"  # the kit's Role for its sidecars (chart_security)
GRAFANA_SERVICE_ACCOUNT = f"{KPS_RELEASE}-grafana"  # the grafana chart's (its fullname)

# The backends' Services: kube-prometheus-stack names its own after fullnameOverride (the
# release), Loki and Tempo (single binary) name theirs after the release.
PROMETHEUS_SERVICE, PROMETHEUS_PORT = f"{KPS_RELEASE}-prometheus", 9090
ALERTMANAGER_SERVICE, ALERTMANAGER_PORT = f"{KPS_RELEASE}-alertmanager", 9093
GRAFANA_SERVICE, GRAFANA_SERVICE_PORT = f"{KPS_RELEASE}-grafana", 80  # the pod listens on 3000
LOKI_SERVICE, LOKI_PORT = LOKI_RELEASE, 3100
TEMPO_SERVICE, TEMPO_PORT = TEMPO_RELEASE, 3200

# The sample app: per tier a Deployment and a Service named after the tier, behind the front one.
APP_TIERS = ("front", "middle", "back")
FRONT_SERVICE = APP_TIERS[0]
APP_PORT = 8080
LOAD_GENERATOR = "sample-loadgen"
# Serves the app's wheels to its tiers when they run from source
# (components/sample_app_wheelhouse.py).
WHEELHOUSE = "sample-wheelhouse"


def app_workload(tier: str) -> str:
    """The tier's Deployment, its pods' app.kubernetes.io/name and their OTel service.name."""
    return f"sample-{tier}"


APP_DEPLOYMENTS = (*map(app_workload, APP_TIERS), LOAD_GENERATOR)
