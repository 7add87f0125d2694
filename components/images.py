"""Every container image the kit deploys, pinned by tag and multi-arch index digest in one table,
and the chart values that make each chart render exactly these references.

A tag can be moved; a digest cannot, so what the plan checked is what the nodes pull. Each digest
is the image index (all platforms), so the same pin works on amd64 and arm64 nodes. `python -m
kit plan` refuses any image outside this table (kit/plan/checks/image_pins.py).

Upgrade: change tag and digest together, from `docker buildx imagetools inspect <repo>:<tag>`
(the "Digest:" line of the index), then run `make plan`.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.distribution import COLLECTOR_DIGEST, COLLECTOR_REPOSITORY, COLLECTOR_VERSION


@dataclass(frozen=True)
class Image:
    """One image: `registry/repository`, tag and the sha256 digest of its index."""

    registry: str
    repository: str
    tag: str
    digest: str  # "sha256:<64 hex>"

    @property
    def ref(self) -> str:
        """`registry/repository:tag@sha256:…`: the tag for people, the digest for the runtime."""
        return f"{self.registry}/{self.repository}:{self.tag}@{self.digest}"

    @property
    def hex(self) -> str:
        """The digest without its algorithm, as charts that prepend `@sha256:` want it."""
        return self.digest.removeprefix("sha256:")


def _i(reference: str, digest: str) -> Image:
    name, tag = reference.rsplit(":", 1)
    registry, repository = name.split("/", 1)
    return Image(registry, repository, tag, digest)


# Sources (each states the index digest for the exact tag; where two disagreed, the one that names
# index and platform manifests apart decided):
#   Stuhlmuller/homelab docs/.../monitoring-upgrade-candidates.md ("Immutable index references"):
#     prometheus, alertmanager, prometheus-operator, prometheus-config-reloader,
#     kube-state-metrics, kube-webhook-certgen 1.8.8;
#   a kube-prometheus-stack 88.3 image lock (EXPECTED_IMAGES, index digests): node-exporter,
#     thanos, k8s-sidecar;
#   grafana/grafana 13.2.0: "Multi-platform digest (verified via docker buildx imagetools
#     inspect grafana/grafana:13.2.0)" in several compose repositories;
#   grafana/loki 3.7.6: a release table listing "Multi-platform index" and "Linux/amd64 manifest";
#   grafana/tempo 2.10.8: "matches the Docker Hub digest for tag 2.10.8";
#   otel/opentelemetry-collector-contrib 0.159.0: "Immutable multi-architecture image";
#   python: docker-library/repo-info repos/python/remote/3.11.16-slim-bookworm.md.
PROMETHEUS = _i(
    "quay.io/prometheus/prometheus:v3.14.0-distroless",
    "sha256:50c707e96da5ade383cb1707790576480485e93de06aa60ad8802cb5f744bd0a",
)
ALERTMANAGER = _i(
    "quay.io/prometheus/alertmanager:v0.34.0",
    "sha256:690c7b525f4367aa91f73e2f91c632206d32e97c6384bdbf2fb7a861b420340d",
)
PROMETHEUS_OPERATOR = _i(
    "quay.io/prometheus-operator/prometheus-operator:v0.93.1",
    "sha256:e52bb28fd41c98dd407c7a8cba8bdcfe7eabd7447e250afaf1fe7bb816dedbff",
)
CONFIG_RELOADER = _i(
    "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
    "sha256:428f088fe6fe07ab138bda92113664b04848a1dc408e4d3680a60ecdb55d1a65",
)
# The operator passes it to the Thanos sidecar it would add; the kit runs none, but the flag is
# an image the cluster could pull, so it is pinned like the rest.
THANOS = _i(
    "quay.io/thanos/thanos:v0.42.4",
    "sha256:b567818fe608067eb0f1d7c2c4fe361e7ad83c8a256234c97685f1d0bf670cc8",
)
# One patch above the chart's 1.8.7, whose index digest no source states.
WEBHOOK_CERTGEN = _i(
    "ghcr.io/jkroepke/kube-webhook-certgen:1.8.8",
    "sha256:cd85a621724cd9043a5b46a784578fa159437712f920166389fce830554e1c44",
)
KUBE_STATE_METRICS = _i(
    "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
    "sha256:42cfe3723a5f058171c627537fb57a3ea0f26e4380fa18555a95cb1a1b4cfc5b",
)
NODE_EXPORTER = _i(
    "quay.io/prometheus/node-exporter:v1.12.1-distroless",
    "sha256:8c9bac11973b94b59be88d6e11fee4429aa743c8846cdc75d65b18db33f6a106",
)
GRAFANA = _i(
    "docker.io/grafana/grafana:13.2.0",
    "sha256:3fd54ae1214669f8355f065ec9f6445d5279a3d77095ab048ca045685272429b",
)
GRAFANA_SIDECAR = _i(
    "quay.io/kiwigrid/k8s-sidecar:2.10.1",
    "sha256:7eac5c4fed714a18d038fc9fea57d8744d113367935dac0ea4eb6a87cef704a3",
)
LOKI = _i(
    "docker.io/grafana/loki:3.7.6",
    "sha256:efd47c67f9bac88ca29bcf8cb997d9ab29d1848bd0aff579282295542a745952",
)
TEMPO = _i(
    "docker.io/grafana/tempo:2.10.8",
    "sha256:f0561deb1c68ec44d6e6e7e4487f30106c4e5e768642077695b37958b105812a",
)
COLLECTOR = _i(f"docker.io/{COLLECTOR_REPOSITORY}:{COLLECTOR_VERSION}", COLLECTOR_DIGEST)
# The official Python image of the sample app: the base of sample-app/Dockerfile and the image its
# pods run the source on; the minor must match sample-app/requirements.txt's.
SAMPLE_APP_PYTHON = _i(
    "docker.io/library/python:3.11.16-slim-bookworm",
    "sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f",
)

PINNED: tuple[Image, ...] = (
    PROMETHEUS,
    ALERTMANAGER,
    PROMETHEUS_OPERATOR,
    CONFIG_RELOADER,
    THANOS,
    WEBHOOK_CERTGEN,
    KUBE_STATE_METRICS,
    NODE_EXPORTER,
    GRAFANA,
    GRAFANA_SIDECAR,
    LOKI,
    TEMPO,
    COLLECTOR,
    SAMPLE_APP_PYTHON,
)


def _kps_image(image: Image) -> dict:
    """kube-prometheus-stack's own templates: `repository:tag@sha256:<sha>`."""
    return {"registry": image.registry, "repository": image.repository, "tag": image.tag,
            "sha": image.hex}  # fmt: skip


def kube_prometheus_stack_images() -> dict:
    """Values pinning every image kube-prometheus-stack and its subcharts render. The subcharts
    spell a digest three ways (grafana `sha` without the algorithm, kube-state-metrics `sha` with
    it, node-exporter `digest`); the plan's image check proves each renders as pinned."""
    operator = PROMETHEUS_OPERATOR
    return {
        "prometheusOperator": {
            "image": _kps_image(operator),
            "prometheusConfigReloader": {"image": _kps_image(CONFIG_RELOADER)},
            "thanosImage": _kps_image(THANOS),
            "admissionWebhooks": {"patch": {"image": _kps_image(WEBHOOK_CERTGEN)}},
        },
        "prometheus": {"prometheusSpec": {"image": _kps_image(PROMETHEUS)}},
        "alertmanager": {"alertmanagerSpec": {"image": _kps_image(ALERTMANAGER)}},
        "grafana": {
            "image": _kps_image(GRAFANA),
            "sidecar": {"image": _kps_image(GRAFANA_SIDECAR)},
        },
        "kube-state-metrics": {
            "image": {**_kps_image(KUBE_STATE_METRICS), "sha": KUBE_STATE_METRICS.digest}
        },
        "prometheus-node-exporter": {
            "image": {
                "registry": NODE_EXPORTER.registry,
                "repository": NODE_EXPORTER.repository,
                # The chart appends "-distroless" itself when asked; the tag here is the plain one.
                "tag": NODE_EXPORTER.tag.removesuffix("-distroless"),
                "distroless": NODE_EXPORTER.tag.endswith("-distroless"),
                "digest": NODE_EXPORTER.digest,
            }
        },
    }


def loki_images() -> dict:
    """The Loki chart renders `registry/repository@digest` when a digest is set, dropping the
    tag; the tag goes into the digest field so the reference keeps both."""
    return {
        "loki": {
            "image": {
                "registry": LOKI.registry,
                "repository": f"{LOKI.repository}:{LOKI.tag}",
                "digest": LOKI.digest,
            }
        }
    }


def tempo_images() -> dict:
    """The Tempo chart has no digest field: it renders `registry/repository:tag`, so the digest
    rides on the tag."""
    return {
        "tempo": {
            "registry": TEMPO.registry,
            "repository": TEMPO.repository,
            "tag": f"{TEMPO.tag}@{TEMPO.digest}",
        }
    }
