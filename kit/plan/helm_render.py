"""Every Helm release of a plan rendered by the pinned `helm template`, from the chart cache, with
exactly the chart version and values the program hands to `kubernetes:helm.sh/v3:Release`.

Rendered as `helm install` would create it: CRDs included (the Release installs a chart's
`crds/` unless skipCrds), hooks included (install runs them), `helm test` pods left out (only
`helm test` creates them), and namespaced objects without a namespace put into the release's
namespace, as Helm's kube client does. Each release is rendered for both ends of the supported
Kubernetes range, because a chart may pick API versions by `.Capabilities.KubeVersion`.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components import versions
from kit.plan import helm_tool
from kit.plan.offline import Registered

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
CLUSTER_SCOPED = (
    "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
    "PriorityClass", "StorageClass", "PersistentVolume", "IngressClass", "RuntimeClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver",
)  # fmt: skip


class ChartRenderError(RuntimeError):
    """`helm template` refused the values (e.g. a chart's `fail` check); one line says why."""


class KubeYamlLoader(yaml.CSafeLoader):
    """PyYAML's safe loader without YAML 1.1's `=` "value" type, which Kubernetes' YAML
    decoder (go-yaml) reads as the string "=" (CRD enums list it as an operator)."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:value"]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }


@dataclass
class RenderedRelease:
    """One release's objects, per Kubernetes version it was rendered for."""

    name: str
    chart: str
    version: str
    namespace: str
    values: dict[str, Any]
    by_kube_version: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def objects(self) -> list[dict[str, Any]]:
        """What the newest supported Kubernetes gets (the counted and written rendering)."""
        return self.by_kube_version[max(self.by_kube_version, key=_version_key)]


def release_inputs(release: Registered) -> RenderedRelease:
    inputs = release.inputs
    return RenderedRelease(
        inputs["name"], chart_of(release).name, inputs["version"], inputs["namespace"],
        inputs.get("values") or {},
    )  # fmt: skip


def chart_of(release: Registered) -> versions.Chart:
    """The chart a Release installs, named either as in its repository or by the path of its
    package in the chart cache (`<cache>/<name>-<version>.tgz`)."""
    inputs = release.inputs
    name, version = inputs["chart"], inputs["version"]
    suffix = f"-{version}.tgz"
    if name.endswith(suffix):
        name = Path(name).name.removesuffix(suffix)
    pinned = {(c.name, c.version): c for c in versions.CHARTS}
    repository = (inputs.get("repositoryOpts") or {}).get("repo", "")
    digests: tuple[str, ...] = ()
    if (name, version) in pinned:
        repository = repository or pinned[name, version].repository
        digests = pinned[name, version].digests
    return versions.Chart(name, version, repository, inputs["name"], digests)


def render(release: Registered, kube_versions: tuple[str, ...]) -> RenderedRelease:
    """`helm template` of one recorded Release, once per Kubernetes version."""
    rendered = release_inputs(release)
    package = helm_tool.chart_package(chart_of(release))
    binary = helm_tool.binary()
    with tempfile.TemporaryDirectory() as tmp:
        values_file = Path(tmp) / "values.yaml"
        values_file.write_text(yaml.safe_dump(rendered.values))
        for kube_version in kube_versions:
            text = _template(binary, rendered, package, values_file, kube_version)
            rendered.by_kube_version[kube_version] = [
                _with_namespace(obj, rendered.namespace)
                for obj in yaml.load_all(text, Loader=KubeYamlLoader)
                if obj
            ]
    return rendered


def _template(
    binary: Path, release: RenderedRelease, package: Path, values: Path, kube_version: str
) -> str:
    command = [str(binary), "template", release.name, str(package)]
    command += ["--namespace", release.namespace, "--values", str(values)]
    command += ["--include-crds", "--skip-tests", "--kube-version", kube_version]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        error = [line for line in lines if line.startswith("Error:")] or lines[-1:] or ["?"]
        raise ChartRenderError(
            f"helm template {release.name} ({release.chart} {release.version}, "
            f"Kubernetes {kube_version}) failed: {error[0]}"
        )
    return done.stdout


def _with_namespace(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    if obj.get("kind") not in CLUSTER_SCOPED:
        obj.setdefault("metadata", {}).setdefault("namespace", namespace)
    return obj


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
