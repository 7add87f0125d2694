"""Every version the kit deploys, pinned in one place.

Python dependencies are pinned in requirements.txt (and sample-app/requirements.txt, with
hashes); everything that runs in the cluster or in a cloud is pinned here, so an upgrade is a
one-line change that the tests and `python -m kit plan` then check.
"""

import shlex
from dataclasses import dataclass
from pathlib import Path

# otelcol-contrib: the only upstream build with the Azure and AWS exporters. The agent owns its
# version (agent/distribution.py).
from agent.distribution import COLLECTOR_IMAGE as COLLECTOR_IMAGE
from agent.distribution import COLLECTOR_VERSION as COLLECTOR_VERSION
from components import images

# Kubernetes minor versions the kit's manifests are written for: every object is schema-checked
# against both ends (kubernetes-validate --strict); a local cluster may run any of them.
K8S_OLDEST = "1.34"
K8S_NEWEST = "1.37"
# The month the clouds' release calendars were read (docs/configuration.md, "Kubernetes versions").
CALENDARS_READ = "2026-11"
# Per cloud, each minor the kit creates and the last month it stays creatable without surprises
# (AKS: end of life; EKS: end of standard support, a lower bound for 1.36).
CREATABLE_UNTIL: dict[str, dict[str, str]] = {
    "aks": {"1.35": "2027-03", "1.36": "2027-06", "1.37": "2027-10"},
    "eks": {"1.35": "2027-03", "1.36": "2027-06"},
}
MANAGED_K8S: dict[str, tuple[str, ...]] = {c: tuple(v) for c, v in CREATABLE_UNTIL.items()}
# Creatable on both clouds until at least Jun 2027 (AKS end of life; EKS standard support).
K8S_DEFAULT = "1.36"


@dataclass(frozen=True)
class Chart:
    """A Helm chart pinned by version, and the release name the kit installs it under."""

    name: str
    version: str
    repository: str
    release: str

    @property
    def package(self) -> str:
        """The file `helm pull` saves this version as: what a chart cache holds."""
        return f"{self.name}-{self.version}.tgz"

    def pull_args(self, cache: Path) -> list[str]:
        """`helm pull` of the pinned version from the chart's repository into `cache`."""
        return ["pull", self.name, "--repo", self.repository, "--version", self.version,
                "--destination", str(cache)]  # fmt: skip


# prometheus-community/helm-charts @ cf408a2: Prometheus Operator v0.93.1, Grafana chart 12.11.1
# (Grafana 13.2.0), kube-state-metrics 8.4.0, node-exporter 4.56.1.
KUBE_PROMETHEUS_STACK_CHART = Chart(
    "kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts", "kps"
)
# The OSS Loki and Tempo charts live in grafana-community/helm-charts (@ 3386a11): Loki 3.7.6,
# Tempo 2.10.8.
GRAFANA_COMMUNITY_CHARTS = "https://grafana-community.github.io/helm-charts"
LOKI_CHART = Chart("loki", "18.11.0", GRAFANA_COMMUNITY_CHARTS, "loki")
TEMPO_CHART = Chart("tempo", "2.2.4", GRAFANA_COMMUNITY_CHARTS, "tempo")
CHARTS = (KUBE_PROMETHEUS_STACK_CHART, LOKI_CHART, TEMPO_CHART)
# A folder of chart packages (`make charts` fills it): when set, the program installs these very
# packages, the ones `python -m kit plan` rendered and checked, instead of pulling them again.
CHART_CACHE_ENV = "KIT_CHART_CACHE"


def cache_problem(cache: Path, charts: tuple[Chart, ...] | list[Chart] = CHARTS) -> str | None:
    """One line naming every package of `charts` missing from `cache` and how to fetch each."""
    missing = [c for c in charts if not (cache / c.package).is_file()]
    if not missing:
        return None
    pulls = "; ".join(f"`{shlex.join(['helm', *c.pull_args(cache)])}`" for c in missing)
    return (
        f"not in the chart cache {cache}: {', '.join(c.package for c in missing)}; fetch them "
        f"with `make charts` ({pulls}), or offline copy them there / point {CHART_CACHE_ENV} at "
        "a folder that has them"
    )


# The official Python image of the sample app, pinned in components/images.py with every other
# image; the minor must match sample-app/requirements.txt's.
SAMPLE_APP_PYTHON_VERSION = "3.11.16"
SAMPLE_APP_PYTHON_IMAGE = (
    f"python:{SAMPLE_APP_PYTHON_VERSION}-slim-bookworm@{images.SAMPLE_APP_PYTHON.digest}"
)

# EKS add-ons pinned per Kubernetes minor (kube-proxy must match the control plane's). kube-proxy
# and coredns: the EKS user guide's managing-coredns and managing-kube-proxy tables; vpc-cni:
# v1.23.1 (amazon-vpc-cni-k8s CHANGELOG), one build for every supported minor. Check a bump with
# `aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version 1.35`.
EKS_ADDON_VERSIONS: dict[str, dict[str, str]] = {
    "vpc-cni": {
        "1.35": "v1.23.1-eksbuild.1",
        "1.36": "v1.23.1-eksbuild.1",
    },
    "kube-proxy": {
        "1.35": "v1.35.3-eksbuild.13",
        "1.36": "v1.36.0-eksbuild.14",
    },
    "coredns": {
        "1.35": "v1.14.3-eksbuild.3",
        "1.36": "v1.14.3-eksbuild.3",
    },
}
