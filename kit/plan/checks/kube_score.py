"""kube-score (github.com/zegl/kube-score, built from its Go module by `make kube-score`) for
the reference checks it has: Services and NetworkPolicies that select no pod template,
Deployment/StatefulSet selectors that miss their own template, StatefulSets whose serviceName
is no headless Service, HPAs and Ingresses whose target does not exist. Its other checks (best
practices, not references) are turned off. The kit's own checks cover the rest
(kit/plan/checks/references.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import yaml

from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.object_index import Json

ROOT = Path(__file__).resolve().parents[3]
# The Makefile reads this line to build the same version: keep it `VERSION = "..."`.
VERSION = "v1.20.0"
BINARY = ROOT / ".build" / "bin" / "kube-score"  # where `make kube-score` puts it
REFERENCE_CHECKS = (
    "service-targets-pod",
    "networkpolicy-targets-pod",
    "deployment-pod-selector-labels-match-template-metadata-labels",
    "statefulset-pod-selector-labels-match-template-metadata-labels",
    "statefulset-has-servicename",
    "horizontalpodautoscaler-has-target",
    "ingress-targets-service",
)
# Findings in chart objects the kit cannot change, each with why it is harmless.
KNOWN_FINDINGS = {
    ("StatefulSet", "tempo", "statefulset-has-servicename"): (
        "the tempo chart 2.2.4 (templates/statefulset.yaml) names serviceName tempo-headless but "
        "renders no such Service; its single pod runs and is reached through Service tempo, "
        "only per-pod DNS names are missing, which single-binary Tempo does not use"
    ),
}
ALL_OK = 10  # kube-score's grade for a passed check (scorecard.GradeAllOK)
HOW_TO_ENABLE = "run `make kube-score` (needs Go)"


class KubeScoreError(RuntimeError):
    """kube-score ran but its answer could not be read."""


def check(objects: list[Json], report: Report, binary: Path = BINARY) -> None:
    """Run the reference checks of kube-score over `objects`; without the binary, say so (and
    fail the plan under KIT_REQUIRE_TOOLS=1, as CI sets)."""
    if not binary.exists():
        message = f"kube-score not built, its checks skipped: {HOW_TO_ENABLE}"
        report.notes.append(message)
        if os.environ.get("KIT_REQUIRE_TOOLS") == "1":
            report.dangling.append(Dangling("plan", "kube-score", f"{binary} (missing)"))
        return
    for result in score(objects, binary):
        kind = result["type_meta"]["kind"]
        meta = result["object_meta"]
        where = f"{meta['namespace']}/" if meta.get("namespace") else ""
        for item in result.get("checks") or []:
            if item["skipped"]:
                continue
            relation = f"kube-score {item['check']['id']}"
            found = None
            known = (kind, meta["name"], item["check"]["id"]) in KNOWN_FINDINGS
            if item["grade"] < ALL_OK and not known:
                said = "; ".join(c["summary"] for c in item.get("comments") or []) or "failed"
                found = Dangling(f"{kind} {where}{meta['name']}", relation, said)
            report.add("kube-score", [found])


def score(objects: list[Json], binary: Path = BINARY) -> list[dict]:
    """kube-score's JSON answer for `objects`, with only REFERENCE_CHECKS on."""
    listed = subprocess.run([str(binary), "list"], capture_output=True, text=True)
    if listed.returncode != 0:
        raise KubeScoreError(f"{binary} list exited {listed.returncode}: {listed.stderr.strip()}")
    every = {line.split(",")[0] for line in listed.stdout.splitlines() if line}
    ignored = sorted(every - set(REFERENCE_CHECKS))
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as manifest:
        yaml.safe_dump_all(objects, manifest)
        manifest.flush()
        done = subprocess.run(
            [
                str(binary), "score", "--output-format", "json",
                *(f"--ignore-test={name}" for name in ignored), manifest.name,
            ],
            capture_output=True,
            text=True,
        )  # fmt: skip
    if done.returncode not in (0, 1):  # 1: some check failed
        raise KubeScoreError(f"kube-score exited {done.returncode}: {done.stderr.strip()}")
    try:
        return json.loads(done.stdout) or []
    except json.JSONDecodeError as err:
        raise KubeScoreError(f"kube-score printed no JSON: {done.stderr.strip()}") from err
