"""Every version the kit deploys, pinned in one place.

Python dependencies are pinned in requirements.txt (and sample-app/requirements.txt, with
hashes); everything that runs in the cluster or in a cloud is pinned here, so an upgrade is a
one-line change that the tests and `python -m kit plan` then check.
"""

from dataclasses import dataclass

# Kubernetes minor versions the kit supports: managed clusters are created with a version in this
# range, and every manifest is schema-checked against both ends (kubernetes-validate --strict).
# EKS and AKS both offer 1.34-1.36 in standard support as of 2026-11.
K8S_OLDEST = "1.34"
K8S_NEWEST = "1.36"
K8S_DEFAULT = "1.35"

# OpenTelemetry Collector, contrib distribution (the only upstream build with the Azure and AWS
# exporters and awscontainerinsightreceiver). Newest release tag in
# open-telemetry/opentelemetry-collector-releases as of 2026-08 (v0.159.0, 2026-08-18); the
# component list it ships is recorded in agent/contrib_components.py.
COLLECTOR_VERSION = "0.159.0"
COLLECTOR_IMAGE = f"otel/opentelemetry-collector-contrib:{COLLECTOR_VERSION}"


@dataclass(frozen=True)
class Chart:
    """A Helm chart pinned by version, and the release name the kit installs it under."""

    name: str
    version: str
    repository: str
    release: str


# prometheus-community/helm-charts @ cf408a2 (2026-08-22): Prometheus Operator v0.93.1, Grafana
# chart 12.11.1 (Grafana 13.2.0), kube-state-metrics 8.4.0, node-exporter 4.56.1.
KUBE_PROMETHEUS_STACK_CHART = Chart(
    "kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts", "kps"
)
# The OSS Loki and Tempo charts moved to grafana-community/helm-charts in 2026 (@ 3386a11,
# 2026-08-20): Loki 3.7.6, Tempo 2.10.8.
GRAFANA_COMMUNITY_CHARTS = "https://grafana-community.github.io/helm-charts"
LOKI_CHART = Chart("loki", "18.11.0", GRAFANA_COMMUNITY_CHARTS, "loki")
TEMPO_CHART = Chart("tempo", "2.2.4", GRAFANA_COMMUNITY_CHARTS, "tempo")

# The official Python image the sample app runs on, both ways: as the base of sample-app/Dockerfile
# and, with the app's source in a ConfigMap, as the image of its pods (no build, no registry push).
# Tag and OCI index digest (multi-arch: amd64, arm64, ...) of the 2026-09-01 build, as recorded by
# docker-library/repo-info repos/python/remote/3.11.16-slim-bookworm.md. The minor (3.11) must
# match the Python that sample-app/requirements.txt was compiled with.
SAMPLE_APP_PYTHON_VERSION = "3.11.16"
SAMPLE_APP_PYTHON_IMAGE = (
    f"python:{SAMPLE_APP_PYTHON_VERSION}-slim-bookworm"
    "@sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f"
)

# EKS add-ons (aws.eks.Addon), pinned per Kubernetes minor: an add-on build is published for a
# range of cluster versions, and kube-proxy must match the control plane's minor. kube-proxy and
# coredns: the "latest version of the Amazon EKS add-on type" tables of the EKS user guide
# (managing-coredns, managing-kube-proxy; 2026 edition listing 1.30-1.36). vpc-cni: the user
# guide's table stops at 1.34, so the build is v1.23.1 (amazon-vpc-cni-k8s CHANGELOG, 2026-08),
# whose EKS build v1.23.1-eksbuild.1 is published for every supported minor (one build serves
# all of them; seen active on 1.34, 1.35 and 1.36 clusters). Check a pin before bumping it with
# `aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version 1.35`.
EKS_ADDON_VERSIONS: dict[str, dict[str, str]] = {
    "vpc-cni": {
        "1.34": "v1.23.1-eksbuild.1",
        "1.35": "v1.23.1-eksbuild.1",
        "1.36": "v1.23.1-eksbuild.1",
    },
    "kube-proxy": {
        "1.34": "v1.34.6-eksbuild.13",
        "1.35": "v1.35.3-eksbuild.13",
        "1.36": "v1.36.0-eksbuild.14",
    },
    "coredns": {
        "1.34": "v1.13.2-eksbuild.11",
        "1.35": "v1.14.3-eksbuild.3",
        "1.36": "v1.14.3-eksbuild.3",
    },
}
