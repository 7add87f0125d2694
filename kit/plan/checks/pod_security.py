"""Every pod template of a plan checked against the Pod Security Standards level its namespace
enforces, by the official evaluator: k8s.io/pod-security-admission/policy (the code the API
server's PodSecurity admission plugin runs), wrapped by kit/psa/ and built by `make psa`.

PodSecurity admission checks Pods, and for workload objects (Deployment, DaemonSet, ...) it
evaluates their pod template the same way and warns (docs: "Pod Security Admission",
"Workload resources and Pod templates"); a template its namespace's enforce level rejects
means a controller that never gets its pods. The namespace's `warn` level is evaluated too and
reported, without failing the plan.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.plan.manifests import object_name

ROOT = Path(__file__).resolve().parents[3]
EVALUATOR = ROOT / ".tools" / "psa-eval"
SOURCE = ROOT / "kit" / "psa"
LABEL = "pod-security.kubernetes.io/"
TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


class PodSecurityEvaluatorError(RuntimeError):
    """The Go evaluator is not built; the message says how to build it."""


@dataclass(frozen=True)
class Finding:
    """A pod template that a namespace's level (enforce or warn) does not admit, per check."""

    pod: str
    namespace: str
    mode: str  # enforce | warn
    level: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.pod}: {self.mode}={self.level} rejects it, check {self.check}: {self.detail}"


@dataclass(frozen=True)
class Levels:
    """A namespace's Pod Security labels."""

    enforce: str
    enforce_version: str
    warn: str
    warn_version: str


def namespace_levels(objects: Iterable[dict[str, Any]]) -> dict[str, Levels]:
    """The levels of every Namespace object (unlabelled modes are `privileged`, as upstream)."""
    levels = {}
    for obj in objects:
        if obj.get("kind") == "Namespace":
            labels = obj["metadata"].get("labels") or {}
            levels[obj["metadata"]["name"]] = Levels(
                labels.get(f"{LABEL}enforce", "privileged"),
                labels.get(f"{LABEL}enforce-version", "latest"),
                labels.get(f"{LABEL}warn", "privileged"),
                labels.get(f"{LABEL}warn-version", "latest"),
            )
    return levels


def pod_template(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The pod (metadata and spec) an object makes, if it makes pods."""
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return {"metadata": obj.get("metadata", {}), "spec": spec}
    if kind in TEMPLATE_KINDS:
        return spec.get("template")
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template")
    return None


def check(objects: list[dict[str, Any]]) -> tuple[list[Finding], int]:
    """Findings for every pod template in `objects` (Namespaces among them), and how many
    templates were checked. A pod in a namespace the plan does not create is a finding too."""
    levels = namespace_levels(objects)
    pods, findings = [], []
    for obj in objects:
        template = pod_template(obj)
        if template is None:
            continue
        namespace = obj["metadata"].get("namespace", "")
        if namespace not in levels:
            findings.append(
                Finding(object_name(obj), namespace, "enforce", "?", "namespace",
                        "its namespace is not created by the plan, so its level is unknown")
            )  # fmt: skip
            continue
        ns = levels[namespace]
        for mode, level, version in (
            ("enforce", ns.enforce, ns.enforce_version),
            ("warn", ns.warn, ns.warn_version),
        ):
            pods.append(
                {"name": object_name(obj), "namespace": namespace, "mode": mode, "level": level,
                 "version": version, "metadata": template.get("metadata") or {},
                 "spec": template.get("spec") or {}}
            )  # fmt: skip
    for pod, verdict in zip(pods, evaluate(pods), strict=True):
        findings += [
            Finding(pod["name"], pod["namespace"], pod["mode"], pod["level"], v["check"],
                    v["detail"])
            for v in verdict["violations"]
        ]  # fmt: skip
    return findings, len(pods) // 2


def evaluate(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evaluator's verdict per pod: {name, allowed, violations: [{check, reason, detail}]}."""
    if not pods:
        return []
    if not EVALUATOR.is_file():
        raise PodSecurityEvaluatorError(
            f"the Pod Security evaluator is not built ({EVALUATOR}): install Go >= 1.26 and "
            "run `make psa`"
        )
    done = subprocess.run(
        [str(EVALUATOR)],
        input=json.dumps({"pods": pods}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise PodSecurityEvaluatorError(f"{EVALUATOR} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)
