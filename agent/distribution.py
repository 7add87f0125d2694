"""The collector the kit deploys and the distribution the kit builds to check its configs.

The agent owns its collector version: the image the DaemonSet, Deployment and Fargate sidecars
run (otelcol-contrib, which has every component the configs use) and the Collector Builder
manifest next to this file (agent/otelcol-builder.yaml, exactly the components the configs use)
are the same release. components/versions.py re-exports COLLECTOR_VERSION and COLLECTOR_IMAGE.

Chosen on 2026-11-29: 0.159.0, the pin of the day, since no newer release builds here (see
BLOCKED_RELEASES). The committed manifest is the complete distribution, for users with normal
internet access (`make otelcol OTELCOL_FULL=1`). Six of its modules are not served at 0.159.0
by the Go module proxy this project's machines reach (NOT_BUILDABLE), so `make otelcol` builds,
and the tests run, the subset `python3 agent/distribution.py <file>` writes: the manifest minus
those modules, into .build/otelcol/. Configs that use them are validated by that binary with
those components swapped for stand-ins (tests/agent/otelcol.py says which), and checked offline
against the otelcol-contrib component list (agent/contrib_components.py).

Upgrade: pick the release, set every version in the manifest and COLLECTOR_VERSION, run
`make otelcol` and the tests; drop a module from NOT_BUILDABLE once the proxy serves it.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

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


# Where `make otelcol` writes the buildable subset and builds it (git-ignored).
BUILD_DIR = ".build/otelcol"
BUILD_MANIFEST = ROOT / BUILD_DIR / MANIFEST.name


def build_dir() -> Path:
    """Where `make otelcol` puts the binary the tests run."""
    return ROOT / buildable_manifest()["dist"]["output_path"]


def binary() -> Path:
    return build_dir() / manifest()["dist"]["name"]


@cache
def manifest() -> dict:
    """The complete distribution, as committed."""
    import yaml

    return yaml.safe_load(MANIFEST.read_text())


def manifest_modules(kind: str, source: dict | None = None) -> dict[str, str]:
    """module path -> version, for one kind of a builder manifest (the committed one by default)."""
    if kind not in KINDS:
        raise KeyError(f"unknown manifest kind {kind!r}; expected one of {KINDS}")
    entries = (manifest() if source is None else source).get(kind) or []
    return dict(entry["gomod"].split() for entry in entries)


_GENERATED = (
    "# Generated by `make otelcol` (python3 agent/distribution.py): agent/otelcol-builder.yaml\n"
    "# minus agent/distribution.py NOT_BUILDABLE. Do not edit: edit those two.\n"
)
_GOMOD = re.compile(r"^\s*- gomod: (\S+) ")
_OUTPUT_PATH = re.compile(r"^(\s+output_path:) .*$")


def buildable_manifest_text() -> str:
    """The committed manifest minus NOT_BUILDABLE, built into BUILD_DIR: what this machine (and
    the tests) can build. Plain text, so `make` needs only python3, not the venv."""
    lines = []
    for line in MANIFEST.read_text().splitlines():
        module = _GOMOD.match(line)
        if module and module.group(1) in NOT_BUILDABLE:
            continue
        lines.append(_OUTPUT_PATH.sub(rf"\1 {BUILD_DIR}", line))
    return _GENERATED + "\n".join(lines) + "\n"


def buildable_manifest() -> dict:
    import yaml

    return yaml.safe_load(buildable_manifest_text())


def write_buildable_manifest(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buildable_manifest_text())


if __name__ == "__main__":
    write_buildable_manifest(Path(sys.argv[1]) if len(sys.argv) > 1 else BUILD_MANIFEST)
