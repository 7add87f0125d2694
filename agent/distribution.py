"""The collector the kit deploys and the distribution the kit builds to check its configs.

The agent owns its collector version: the image the DaemonSet, Deployment and Fargate sidecars
run (otelcol-contrib, which has every component the configs use) and the Collector Builder
manifest next to this file (agent/otelcol-builder.yaml), built by `make otelcol` into
.build/otelcol/ and run by the tests (`validate`, `components`), are the same release.
components/versions.py re-exports COLLECTOR_VERSION and COLLECTOR_IMAGE from here.

Chosen on 2026-11-29: 0.159.0, the pin of the day, since no newer release builds here (see
BLOCKED_RELEASES) and this one builds the most of the kit. Six modules are not served at
0.159.0 by the Go module proxy this project's machines reach (NOT_BUILDABLE): configs that use
them are validated by the built binary with those components swapped for stand-ins
(tests/agent/otelcol.py says which), and checked offline against the otelcol-contrib component
list (agent/contrib_components.py).

Upgrade: pick the release, set every version in the manifest and COLLECTOR_VERSION, run
`make otelcol` and the tests; move a module from NOT_BUILDABLE into the manifest once it builds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

COLLECTOR_VERSION = "0.159.0"
COLLECTOR_IMAGE = f"otel/opentelemetry-collector-contrib:{COLLECTOR_VERSION}"

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).resolve().parent / "otelcol-builder.yaml"
KINDS = ("receivers", "processors", "exporters", "extensions", "connectors", "providers")

CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib/"
_NOT_SERVED = "reading https://proxy.golang.org/{m}/@v/v0.159.0.{f}: {e}"
_404 = "404 Not Found"
_403 = "403 Forbidden (server response: This module version is not available.)"

# module -> the error `GOPROXY=https://proxy.golang.org go mod download <module>@v0.159.0` gave
# on 2026-11-29. Their component types are in otelcol-contrib 0.159.0 (contrib_components.py).
NOT_BUILDABLE: dict[str, str] = {
    f"{CONTRIB}{path}": _NOT_SERVED.format(m=f"{CONTRIB}{path}", f=suffix, e=error)
    for path, suffix, error in (
        ("receiver/k8sclusterreceiver", "info", _404),
        ("receiver/k8sobjectsreceiver", "info", _404),
        ("receiver/awscontainerinsightreceiver", "info", _404),
        ("exporter/awscloudwatchlogsexporter", "info", _404),
        ("exporter/awsemfexporter", "zip", _403),
        ("exporter/azuremonitorexporter", "zip", _403),
    )
}

# release -> the kit's modules that release cannot build here (checked 2026-11-29: the proxy
# serves the module's .mod, .zip and checksum-database entry, or `go mod tidy` fails on it).
_NEVER = ("awscloudwatchlogsexporter", "k8sobjectsreceiver", "awscontainerinsightreceiver")
_NEWER = ("k8sclusterreceiver", "awsemfexporter", "awsxrayexporter", "azuremonitorexporter")
_NEWER_RELEASES = ("0.165.1", "0.165.0", "0.164.1", "0.164.0", "0.163.0", "0.162.0", "0.160.0")
BLOCKED_RELEASES: dict[str, tuple[str, ...]] = {
    **{release: (*_NEWER, *_NEVER) for release in _NEWER_RELEASES},
    # has k8s_cluster, awsemf, awsxray and azuremonitor, but `go mod tidy` finds no v0.161.0 of
    # what the kit's modules import: pkg/stanza (filelog), internal/kubelet (kubelet_stats,
    # k8s_attributes), internal/aws/{awsutil,cwlogs,metrics,xray} (awsemf, awsxray),
    # pkg/winperfcounters and internal/gopsutilenv (hostmetrics), internal/k8sleaderelectortest
    # (k8s_cluster's tests, which tidy loads).
    "0.161.0": (
        *_NEVER,
        "filelogreceiver",
        "hostmetricsreceiver",
        "kubeletstatsreceiver",
        "k8sclusterreceiver",
        "k8sattributesprocessor",
        "awsemfexporter",
        "awsxrayexporter",
    ),
    "0.159.0": tuple(module.rsplit("/", 1)[-1] for module in NOT_BUILDABLE),
}


def build_dir() -> Path:
    """Where `make otelcol` puts the binary (git-ignored)."""
    return ROOT / manifest()["dist"]["output_path"]


def binary() -> Path:
    return build_dir() / manifest()["dist"]["name"]


@cache
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def manifest_modules(kind: str) -> dict[str, str]:
    """module path -> version, for one kind of the builder manifest."""
    if kind not in KINDS:
        raise KeyError(f"unknown manifest kind {kind!r}; expected one of {KINDS}")
    entries = manifest().get(kind) or []
    return dict(entry["gomod"].split() for entry in entries)
