"""The lock file, the image and the interpreter the tests use all agree with each other."""

from __future__ import annotations

import ast
import re
import runpy
import subprocess
from importlib.metadata import version

import pytest

from tests.sample_app.app_processes import APP_DIR, app_python

VERSIONS = runpy.run_path(str(APP_DIR.parent / "components" / "versions.py"))
PINNED = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)")
# Installed in the kit's own venv too: the two environments must not drift apart.
SHARED_WITH_KIT = (
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-proto",
    "opentelemetry-instrumentation",
    "opentelemetry-semantic-conventions",
)


def locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.txt."""
    pins, current = {}, None
    for line in (APP_DIR / "requirements.txt").read_text().splitlines():
        if match := PINNED.match(line):
            current = match.group(1).lower()
            pins[current] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            pinned_version, hashes = pins[current]
            pins[current] = (pinned_version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"unexpected line in requirements.txt: {line!r}")
    return pins


def test_every_locked_package_is_pinned_with_hashes():
    pins = locked()
    assert "fastapi" in pins and "opentelemetry-exporter-otlp-proto-http" in pins
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []


def test_opentelemetry_matches_the_kits_own_environment():
    pins = locked()
    assert {name: pins[name][0] for name in SHARED_WITH_KIT} == {
        name: version(name) for name in SHARED_WITH_KIT
    }


def test_dockerfile_base_is_the_pinned_image():
    dockerfile = (APP_DIR / "Dockerfile").read_text()
    assert f"ARG PYTHON_IMAGE={VERSIONS['SAMPLE_APP_PYTHON_IMAGE']}\n" in dockerfile
    assert re.search(r"@sha256:[0-9a-f]{64}$", VERSIONS["SAMPLE_APP_PYTHON_IMAGE"])


def test_dockerfile_copies_every_module_the_app_imports():
    copied = set(re.search(r"^COPY (.*) /app/$", dockerfile_text(), re.M).group(1).split())
    assert local_imports("app.py") | {"loadgen.py"} <= copied


@pytest.mark.live
def test_the_test_interpreter_has_the_images_python_minor():
    image_minor = VERSIONS["SAMPLE_APP_PYTHON_VERSION"].rsplit(".", 1)[0]
    probe = [str(app_python()), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    assert subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == (
        image_minor
    )


def dockerfile_text() -> str:
    return (APP_DIR / "Dockerfile").read_text()


def local_imports(entry: str, seen: set[str] | None = None) -> set[str]:
    """entry plus every sample-app module it imports, transitively."""
    seen = seen if seen is not None else set()
    seen.add(entry)
    for node in ast.walk(ast.parse((APP_DIR / entry).read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            module = f"{name}.py"
            if (APP_DIR / module).exists() and module not in seen:
                local_imports(module, seen)
    return seen
