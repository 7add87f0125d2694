"""Every version the kit deploys, pinned in one place.

Python dependencies are pinned in requirements.txt (and sample-app/requirements.txt, with
hashes); everything that runs in the cluster or in a cloud is pinned here, so an upgrade is a
one-line change that the tests and `python -m kit plan` then check.
"""

import hashlib
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
    """A Helm chart pinned by version and by the sha256 of the packages accepted for it, and the
    release name the kit installs it under."""

    name: str
    version: str
    repository: str
    release: str
    # sha256 of the accepted packages: the one in the chart repository's index.yaml (what `make
    # charts` downloads), and the one built from the same tagged source that the tests render
    # (../shared/charts/README.md). No other package is rendered, planned or installed.
    digests: tuple[str, ...] = ()
    # Where the repository's index.yaml says its package is (what `helm pull` would fetch).
    url: str = ""

    @property
    def package(self) -> str:
        """The file `helm pull` saves this version as: what a chart cache holds."""
        return f"{self.name}-{self.version}.tgz"

    def pull_args(self, cache: Path) -> list[str]:
        """`helm pull` of the pinned version from the chart's repository into `cache`."""
        return ["pull", self.name, "--repo", self.repository, "--version", self.version,
                "--destination", str(cache)]  # fmt: skip


# prometheus-community/helm-charts @ cf408a2: Prometheus Operator v0.93.1, Grafana chart 12.11.1
# (Grafana 13.2.0), kube-state-metrics 8.4.0, node-exporter 4.56.1. Repository digest: its
# index.yaml (gh-pages), entry 88.5.3 created 2026-08-21T06:21:19Z.
KUBE_PROMETHEUS_STACK_CHART = Chart(
    "kube-prometheus-stack",
    "88.5.3",
    "https://prometheus-community.github.io/helm-charts",
    "kps",
    digests=(
        "3bff576f57c88f9fcac3286cc6e0d22ddaf7d7e1829c14a09257359f02ca64c9",
        "510df331b3bee886f4464a33943571043ff01936896f0e6079f9ae0d3144cb7c",
    ),
    url="https://github.com/prometheus-community/helm-charts/releases/download/"
    "kube-prometheus-stack-88.5.3/kube-prometheus-stack-88.5.3.tgz",
)
# The OSS Loki and Tempo charts live in grafana-community/helm-charts (@ 3386a11): Loki 3.7.6,
# Tempo 2.10.8. Repository digests: its index.yaml (gh-pages @ 9ab78dc8).
GRAFANA_COMMUNITY_CHARTS = "https://grafana-community.github.io/helm-charts"
LOKI_CHART = Chart(
    "loki",
    "18.11.0",
    GRAFANA_COMMUNITY_CHARTS,
    "loki",
    digests=(
        "d4d99424d197e1460878093c9fced02346669ab0698a0dca7c575ab76fff7aeb",
        "f98a899c57198f935e20dec14f192943123cd3404cbe62bc2f0e527a505b5a93",
    ),
    url="https://github.com/grafana-community/helm-charts/releases/download/"
    "loki-18.11.0/loki-18.11.0.tgz",
)
TEMPO_CHART = Chart(
    "tempo",
    "2.2.4",
    GRAFANA_COMMUNITY_CHARTS,
    "tempo",
    digests=(
        "5f3f4b29c4487b9c27715c18bc6c7b0889712b14075d97705f9b151a51725f68",
        "a9540db456bd9edfffdd33a532f04b4ecc2e0f9f4ec32c794c2e897790bce092",
    ),
    url="https://github.com/grafana-community/helm-charts/releases/download/"
    "tempo-2.2.4/tempo-2.2.4.tgz",
)
CHARTS = (KUBE_PROMETHEUS_STACK_CHART, LOKI_CHART, TEMPO_CHART)
# The folder of chart packages (`make charts` fills it): the program installs these very
# packages, the ones `python -m kit plan` rendered and checked, never pulling them itself.
CHART_CACHE_ENV = "KIT_CHART_CACHE"
DEFAULT_CHART_CACHE = "~/.cache/o11y-kit/charts"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as package:
        for block in iter(lambda: package.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_problem(cache: Path, charts: tuple[Chart, ...] | list[Chart] = CHARTS) -> str | None:
    """One line naming every package of `charts` missing from `cache` or not a pinned package
    (its sha256 is none of the chart's digests), and how to fetch each."""
    missing = [c for c in charts if not (cache / c.package).is_file()]
    altered = [
        c for c in charts if c not in missing and file_sha256(cache / c.package) not in c.digests
    ]
    if not missing and not altered:
        return None
    pulls = "; ".join(f"`{shlex.join(['helm', *c.pull_args(cache)])}`" for c in missing)
    problems = []
    if missing:
        problems.append(f"not in the chart cache {cache}: {', '.join(c.package for c in missing)}")
    if altered:
        names = ", ".join(c.package for c in altered)
        problems.append(
            f"not a pinned package (sha256 is none of components/versions.py's) in the chart "
            f"cache {cache}: {names}; delete it"
        )
    how = f"with `make charts` ({pulls})" if pulls else "with `make charts`"
    return (
        f"{'; '.join(problems)}; fetch them {how}, or offline copy them there / point "
        f"{CHART_CACHE_ENV} at a folder that has them"
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
