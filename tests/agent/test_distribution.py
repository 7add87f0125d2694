"""The kit's collector distribution: its manifest lists exactly what the configs use, at one
release; the binary `make otelcol` builds (`components`) has exactly that minus the modules this
machine cannot build, with those built at a nearby release at the version recorded for them (and
their replaced dependencies linked, `go version -m`); docs/development.md says so.

A component type a config starts using must come with its module in agent/otelcol-builder.yaml
(and, if this machine cannot build it at the pin, also in distribution.NOT_BUILDABLE with the
error, or in distribution.BUILT_NEARBY with the version and why): this test fails until then.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from agent import distribution
from agent.contrib_components import derive_types, module_of
from agent.validate import component_type
from tests.agent.otelcol import TIMEOUT_SECONDS, collector
from tests.agent.stacks import STACKS, configs_by_mode
from tests.helpers import require_tool

COMPONENT_KINDS = ("receivers", "processors", "exporters", "extensions", "connectors")
CONFMAP = "go.opentelemetry.io/collector/confmap/provider"
PROVIDERS = {f"{CONFMAP}/{name}provider" for name in ("env", "file", "yaml")}


def used_types() -> dict[str, set[str]]:
    """kind -> every component type some config of some stack and mode uses."""
    used: dict[str, set[str]] = {kind: set() for kind in COMPONENT_KINDS}
    for cloud, fargate in STACKS:
        for rendered in configs_by_mode(cloud, fargate).values():
            config = yaml.safe_load(rendered)
            for kind in COMPONENT_KINDS:
                used[kind] |= {component_type(cid) for cid in config.get(kind) or {}}
    return used


def used_modules() -> dict[str, set[str]]:
    return {kind: {module_of(kind, t) for t in types} for kind, types in used_types().items()}


@pytest.mark.parametrize("kind", COMPONENT_KINDS)
def test_manifest_lists_exactly_the_modules_the_configs_use(kind):
    """The committed manifest is the complete distribution, whatever this machine can build: what
    the configs use, and the receivers kept only to measure the sources the kit left out."""
    listed = set(distribution.manifest_modules(kind))
    measured = {m for m in distribution.MEASURED_ONLY if f"/{kind.removesuffix('s')}/" in m}
    used = used_modules()[kind] | measured
    assert listed == used, f"{kind}: add {sorted(used - listed)}, remove {sorted(listed - used)}"


def built_here(listed: dict[str, str]) -> dict[str, str]:
    """module -> version this machine builds: NOT_BUILDABLE left out, BUILT_NEARBY moved."""
    nearby = distribution.BUILT_NEARBY
    return {
        m: nearby[m].version if m in nearby else v
        for m, v in listed.items()
        if m not in distribution.NOT_BUILDABLE
    }


def test_the_buildable_subset_is_the_manifest_minus_what_cannot_be_built_here():
    subset = distribution.buildable_manifest()
    assert subset["dist"] == {**distribution.manifest()["dist"], "output_path": ".build/otelcol"}
    for kind in distribution.KINDS:
        listed = distribution.manifest_modules(kind)
        assert distribution.manifest_modules(kind, subset) == built_here(listed)
    every_module = {m for kind in distribution.KINDS for m in distribution.manifest_modules(kind)}
    assert {*distribution.NOT_BUILDABLE, *distribution.BUILT_NEARBY} <= every_module
    assert not set(distribution.NOT_BUILDABLE) & set(distribution.BUILT_NEARBY)
    assert "replaces" not in distribution.manifest(), "the complete manifest is all at the pin"
    assert subset["replaces"] == [
        f"{dependency} => {dependency} {version}"
        for dependency, version in distribution.replacements().items()
    ]


def test_every_module_built_nearby_is_recorded_with_why_and_is_not_at_the_pin():
    release = f"v{distribution.COLLECTOR_VERSION}"
    for module, nearby in distribution.BUILT_NEARBY.items():
        assert nearby.version != release and module in nearby.why and release in nearby.why
        for dependency, version in nearby.replaces.items():
            # a replace at the pin only raises a dependency asked for at an unserved release
            assert version != release or "raised to the pin" in nearby.why, dependency
        for dependency in nearby.replaces:
            assert dependency.removeprefix(distribution.CONTRIB) in nearby.why, dependency
    assert set(distribution.BLOCKED_RELEASES[distribution.COLLECTOR_VERSION]) == {
        m.rsplit("/", 1)[-1] for m in (*distribution.NOT_BUILDABLE, *distribution.BUILT_NEARBY)
    }


def test_every_not_buildable_module_is_used_and_recorded_with_its_error():
    used = set().union(*used_modules().values())
    for module, error in distribution.NOT_BUILDABLE.items():
        assert module in used, f"{module} is no longer used: drop it from NOT_BUILDABLE"
        assert module in error and f"v{distribution.COLLECTOR_VERSION}" in error


def test_every_module_is_at_the_release_the_image_deploys():
    release = distribution.COLLECTOR_VERSION
    assert distribution.manifest()["dist"]["version"] == release
    assert f":{release}@sha256:" in distribution.COLLECTOR_IMAGE
    versions = {
        version
        for kind in COMPONENT_KINDS
        for version in distribution.manifest_modules(kind).values()
    }
    assert versions == {f"v{release}"}
    providers = distribution.manifest_modules("providers")
    assert set(providers) == PROVIDERS
    # confmap providers are stable modules, released as v1.y together with core v0.x
    assert len(set(providers.values())) == 1 and next(iter(providers.values())).startswith("v1.")


def components_listing() -> dict:
    """`<binary> components`: what the built binary really has, with each module."""
    result = subprocess.run(
        [str(collector()), "components"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.mark.live
def test_the_built_binary_has_exactly_the_manifest_minus_not_buildable():
    listing = components_listing()
    assert listing["buildinfo"]["version"] == distribution.COLLECTOR_VERSION
    for kind, types in used_types().items():
        built = {entry["name"] for entry in listing.get(kind) or []}
        wanted = {t for t in types if module_of(kind, t) not in distribution.NOT_BUILDABLE}
        assert wanted <= built, f"{kind}: {sorted(wanted - built)} missing from the binary"
    modules = dict(
        entry["module"].split() for kind in COMPONENT_KINDS for entry in listing.get(kind) or []
    )
    manifest = {
        m: v for kind in COMPONENT_KINDS for m, v in distribution.manifest_modules(kind).items()
    }
    assert modules == built_here(manifest)


@pytest.mark.live
def test_the_binary_links_the_replaced_dependencies_of_what_is_built_nearby():
    """`go version -m`: the module versions linked into the binary, replacements shown as =>."""
    require_tool("go", "Go (to read the binary's build info)", "install Go 1.26+")
    shown = subprocess.run(
        ["go", "version", "-m", str(collector())],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=True,
    ).stdout
    linked = re.findall(r"^\s+=>\s+(\S+)\s+(\S+)", shown, re.MULTILINE)
    wanted = list(distribution.replacements().items())
    assert sorted(linked) == sorted(wanted)


def _make(*args: str, timeout: int = TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=distribution.ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.live
def test_make_otelcol_without_go_says_so_in_one_line():
    done = _make("otelcol", "GO=go-not-installed-here")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert line.startswith("Go not found") and "make otelcol" in line


@pytest.mark.live
def test_make_otelcol_has_nothing_to_do_when_the_manifest_did_not_change():
    """Once built (a checkout that touched the manifest rebuilds it here, from Go's caches),
    make has nothing to do."""
    binary = collector()
    built = _make("otelcol", timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    done = _make("--question", str(binary.relative_to(distribution.ROOT)))
    assert done.returncode == 0, "make would rebuild the collector although nothing changed"


@pytest.mark.live
def test_make_otelcol_full_builds_the_committed_manifest_and_the_default_the_subset():
    """Dry runs (the complete build needs the public Go proxy): which manifest each one feeds
    the builder, and where the binary lands."""
    default = _make("-n", "-B", "otelcol")
    assert default.returncode == 0, default.stderr
    assert "agent/distribution.py .build/otelcol/otelcol-builder.yaml" in default.stdout
    assert ".build/bin/builder --config .build/otelcol/otelcol-builder.yaml" in default.stdout
    assert "touch .build/otelcol/otelcol-kit" in default.stdout
    full = _make("-n", "-B", "otelcol", "OTELCOL_FULL=1")
    assert full.returncode == 0, full.stderr
    assert ".build/bin/builder --config agent/otelcol-builder.yaml" in full.stdout
    assert "touch .build/otelcol-full/otelcol-kit" in full.stdout
    assert "agent/distribution.py" not in full.stdout


def test_docs_say_what_the_manifest_holds_and_what_make_otelcol_builds():
    page = " ".join((distribution.ROOT / "docs" / "development.md").read_text().split())
    assert "`make otelcol OTELCOL_FULL=1`" in page
    assert "`.build/otelcol-full/otelcol-kit`" in page
    assert "every component the configs use" in page
    not_built = re.search(r"not served here at v0\.159\.0 \(([^)]*)\)", page)
    assert not_built, "docs/development.md must name the components the default build leaves out"
    named = set(re.findall(r"`([a-z_0-9]+)`", not_built[1]))
    assert named == {derive_types(m)[0] for m in distribution.NOT_BUILDABLE}
    for module, nearby in distribution.BUILT_NEARBY.items():
        assert f"`{derive_types(module)[0]}` is built at {nearby.version} instead" in page
