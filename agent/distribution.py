"""The collector the kit deploys and the distribution the kit builds to check its configs.

The deployed image (otelcol-contrib) and the Collector Builder manifest next to this file
(agent/otelcol-builder.yaml) are the same release. `make otelcol` builds the manifest minus
NOT_BUILDABLE, with BUILT_NEARBY's versions, because those modules are not downloadable at the
pin (docs/development.md, "The kit's collector build"; BLOCKED_RELEASES: why not a newer pin).

Upgrade: set every version in the manifest and COLLECTOR_VERSION, run `make otelcol` and the
tests; drop a module from NOT_BUILDABLE or BUILT_NEARBY once it builds at that release.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COLLECTOR_VERSION = "0.159.0"
COLLECTOR_REPOSITORY = "otel/opentelemetry-collector-contrib"
# The release's multi-arch image index (components/images.py lists its source with the others).
COLLECTOR_DIGEST = "sha256:1f2c54a30e713fac6b3ae77a1ec84010c2007e29ced8ec666214fc2f6739c1cc"
COLLECTOR_IMAGE = f"{COLLECTOR_REPOSITORY}:{COLLECTOR_VERSION}@{COLLECTOR_DIGEST}"

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).resolve().parent / "otelcol-builder.yaml"
KINDS = ("receivers", "processors", "exporters", "extensions", "connectors", "providers")

CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib/"
_NOT_SERVED = "reading https://proxy.golang.org/{m}/@v/v0.159.0.{f}: {e}"
_404 = "404 Not Found"
_403 = "403 Forbidden (server response: This module version is not available.)"

# module -> the error `GOPROXY=https://proxy.golang.org go mod download <module>@v0.159.0` gives.
# Configs using them are still checked offline (contrib_components.py).
NOT_BUILDABLE: dict[str, str] = {
    f"{CONTRIB}{path}": _NOT_SERVED.format(m=f"{CONTRIB}{path}", f=suffix, e=error)
    for path, suffix, error in (
        ("receiver/k8sclusterreceiver", "info", _404),
        ("receiver/k8sobjectsreceiver", "info", _404),
        ("receiver/awscontainerinsightreceiver", "info", _404),
    )
}
# Not buildable at a nearby release either: docs/development.md lists the modules they need.


@dataclass(frozen=True)
class NearbyBuild:
    """A module built here at a release next to the pin, because the pin's is not served."""

    version: str
    # module -> version: the builder's `replaces:` for dependencies not served at the version asked
    replaces: dict[str, str]
    why: str


_AWS = f"{CONTRIB}internal/aws/"
# Shared by the two AWS exporters built nearby: a replace at the pin itself.
_AWSUTIL_WHY = (
    "Its go.mod asks for internal/aws/awsutil at most v0.158.0, whose .zip the proxy refuses "
    "(403, `go mod tidy` in the builder); awsxrayexporter v0.159.0 used to require the pin's, "
    "so the build, without it since traces go to X-Ray over OTLP, has internal/aws/awsutil "
    "raised to the pin v0.159.0 (served), the version it linked before."
)
# The tests run these versions; the deployed image runs the pin's.
BUILT_NEARBY: dict[str, NearbyBuild] = {
    f"{CONTRIB}exporter/awsemfexporter": NearbyBuild(
        version="v0.158.0",
        replaces={
            f"{_AWS}cwlogs": "v0.157.0",
            f"{_AWS}metrics": "v0.157.0",
            f"{_AWS}awsutil": "v0.159.0",
        },
        why=(
            _NOT_SERVED.format(m=f"{CONTRIB}exporter/awsemfexporter", f="zip", e=_403)
            + ". v0.158.0 is the newest served release below the pin; its go.mod asks for "
            "internal/aws/cwlogs and internal/aws/metrics v0.158.0, whose .zip the proxy also "
            "refuses (403, `go mod tidy` in the builder), so both are replaced by v0.157.0, "
            "their newest served release (v0.159.0 and v0.161.0: 403 too); the rest of its "
            "dependencies resolve to the pin. Its non-test code at v0.158.0 and v0.161.0 differs "
            "only by the exporter.awsemf.DisableLegacyResourceToTelemetryConversion feature gate "
            "(from v0.160.0, #48861), a Go 1.26 errors.AsType refactor and formatting, so "
            "v0.159.0 is expected to behave as v0.158.0 (its own source cannot be read here). "
            + _AWSUTIL_WHY
        ),
    ),
    f"{CONTRIB}exporter/awscloudwatchlogsexporter": NearbyBuild(
        version="v0.156.0",
        replaces={f"{_AWS}cwlogs": "v0.157.0", f"{_AWS}awsutil": "v0.159.0"},
        why=(
            _NOT_SERVED.format(m=f"{CONTRIB}exporter/awscloudwatchlogsexporter", f="info", e=_404)
            + ". v0.156.0 is the only release from v0.153.0 to v0.161.0 the proxy serves; the "
            "internal/aws/cwlogs v0.156.0 it asks for is refused (403), so it links v0.157.0, "
            "as awsemf does. The kit's settings of it (region, log group and stream, retry and "
            "persistent queue) are exporterhelper's and the exporter's at both releases. "
            + _AWSUTIL_WHY
        ),
    ),
    f"{CONTRIB}exporter/azuremonitorexporter": NearbyBuild(
        version="v0.156.0",
        replaces={},
        why=(
            _NOT_SERVED.format(m=f"{CONTRIB}exporter/azuremonitorexporter", f="zip", e=_403)
            + ". v0.156.0 is the newest served release below the pin (v0.157.0, v0.158.0: "
            "403); its dependencies resolve to the pin. Its config at v0.156.0 and v0.161.0 "
            "(both served) differs only by telemetry_mappings (new in between, unused by the "
            "kit); the keys the kit sets (connection_string, shutdown_timeout, sending_queue) "
            "are in both."
        ),
    ),
}


def replacements() -> dict[str, str]:
    """dependency -> version: the builder's `replaces:` for every BUILT_NEARBY module; two
    modules asking for different versions of one dependency cannot both be built."""
    merged: dict[str, str] = {}
    for module, nearby in BUILT_NEARBY.items():
        for dependency, version in nearby.replaces.items():
            if merged.setdefault(dependency, version) != version:
                raise ValueError(
                    f"{module} wants {dependency} {version}, another {merged[dependency]}"
                )
    return merged


# release -> the kit's modules that release cannot build (a .mod, .zip or checksum-database
# entry not served, or `go mod tidy` failing on it). sigv4authextension, in the kit since traces
# go to X-Ray over OTLP, was tried at the pin only.
# Receivers no config deploys, kept in the build so `make bench-series` can measure the series of
# the sources the kit chose not to use (docs/series.md, before and after).
MEASURED_ONLY: dict[str, str] = {
    f"{CONTRIB}receiver/hostmetricsreceiver": "host metrics: node-exporter is the one source",
    f"{CONTRIB}receiver/kubeletstatsreceiver": "pod metrics: the kubelet cAdvisor is the one",
}

_NEVER = ("awscloudwatchlogsexporter", "k8sobjectsreceiver", "awscontainerinsightreceiver")
_NEWER = ("k8sclusterreceiver", "awsemfexporter", "azuremonitorexporter")
_NEWER_RELEASES = ("0.165.1", "0.165.0", "0.164.1", "0.164.0", "0.163.0", "0.162.0", "0.160.0")
BLOCKED_RELEASES: dict[str, tuple[str, ...]] = {
    **{release: (*_NEWER, *_NEVER) for release in _NEWER_RELEASES},
    # `go mod tidy` finds no v0.161.0 of pkg/stanza, internal/kubelet, internal/aws/*,
    # pkg/winperfcounters, internal/gopsutilenv or internal/k8sleaderelectortest.
    "0.161.0": (
        *_NEVER,
        "filelogreceiver",
        "hostmetricsreceiver",
        "kubeletstatsreceiver",
        "k8sclusterreceiver",
        "k8sattributesprocessor",
        "awsemfexporter",
    ),
    "0.159.0": tuple(module.rsplit("/", 1)[-1] for module in (*NOT_BUILDABLE, *BUILT_NEARBY)),
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
    "# minus agent/distribution.py NOT_BUILDABLE, with its BUILT_NEARBY versions and replaces.\n"
    "# Do not edit: edit those two.\n"
)
_GOMOD = re.compile(r"^(\s*- gomod: (\S+)) \S+$")
_OUTPUT_PATH = re.compile(r"^(\s+output_path:) .*$")


def buildable_manifest_text() -> str:
    """The committed manifest minus NOT_BUILDABLE, with BUILT_NEARBY's versions and the
    `replaces:` they need, built into BUILD_DIR: what this machine (and the tests) can build.
    Plain text, so `make` needs only python3, not the venv."""
    lines = []
    for line in MANIFEST.read_text().splitlines():
        module = _GOMOD.match(line)
        if module and module.group(2) in NOT_BUILDABLE:
            continue
        if module and module.group(2) in BUILT_NEARBY:
            line = f"{module.group(1)} {BUILT_NEARBY[module.group(2)].version}"
        lines.append(_OUTPUT_PATH.sub(rf"\1 {BUILD_DIR}", line))
    replaces = [
        f"  - {dependency} => {dependency} {version}"
        for dependency, version in replacements().items()
    ]
    if replaces:
        lines += ["", "replaces:", *replaces]
    return _GENERATED + "\n".join(lines) + "\n"


def buildable_manifest() -> dict:
    import yaml

    return yaml.safe_load(buildable_manifest_text())


def write_buildable_manifest(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buildable_manifest_text())


if __name__ == "__main__":
    write_buildable_manifest(Path(sys.argv[1]) if len(sys.argv) > 1 else BUILD_MANIFEST)
