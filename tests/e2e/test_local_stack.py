"""The shipped `local` stack deployed for real on a local control plane: up, an idle preview, a
config change, destroy, then again with a secret webhook URL (docs/e2e.md, "What it does").

The tests run in file order and share one cluster and one project copy.
"""

from __future__ import annotations

import time

import pytest

from components import versions
from components.names import KPS_RELEASE
from tests.e2e import expected, kube
from tests.e2e.events import EventLog
from tests.e2e.project import STACK, Project

OPERATOR_MADE = (
    ("StatefulSet", f"prometheus-{KPS_RELEASE}-prometheus"),
    ("StatefulSet", f"alertmanager-{KPS_RELEASE}-alertmanager"),
)
MONITORING_NS = "o11y-monitoring"
WEBHOOK_URL = "https://hooks.example.org/services/o11y-kit/e2e-Zq81token"
WEBHOOK_OVERRIDES = {"alertReceiver": "webhook", "alertWebhookUrl": WEBHOOK_URL}
ROLLOUT_TIMEOUT = 180
RUN: dict = {}
pytestmark = pytest.mark.e2e


def _up(project: Project, name: str) -> EventLog:
    log = project.dir / f"{name}.jsonl"
    started = time.monotonic()
    project.make("up", f"PULUMI_ARGS=--event-log {log}")
    RUN[f"{name}_wall"] = time.monotonic() - started
    events = EventLog.read(log)
    RUN[name] = events
    return events


def _rolled_out(project: Project, timeout: float = ROLLOUT_TIMEOUT) -> list[dict]:
    api = project.cluster.api
    deadline = time.monotonic() + timeout
    while True:
        found = kube.workloads(api, kube.kit_namespaces(api))
        pending = [why for w in found if (why := kube.not_rolled_out(w))]
        names = {(w["kind"], w["metadata"]["name"]) for w in found}
        absent = [f"{k} {n}: not created" for k, n in OPERATOR_MADE if (k, n) not in names]
        if not pending and not absent:
            return found
        if time.monotonic() > deadline:
            why = "\n".join(pending + absent)
            pytest.fail(f"not rolled out within {timeout:.0f} s:\n{why}")
        time.sleep(2)


def _assert_nothing_left(project: Project, planned: list[dict]) -> None:
    api = project.cluster.api
    disc = kube.Discovery(api)
    assert kube.kit_namespaces(api) == []
    cluster_scoped = [
        o for o in planned
        if not o["metadata"].get("namespace") and o["kind"] != "CustomResourceDefinition"
    ]  # fmt: skip
    still = [
        m
        for m in (
            set(_describe(cluster_scoped)) - set(kube.missing_objects(api, disc, cluster_scoped))
        )
    ]
    assert still == [], f"cluster-scoped objects of the kit left: {still}"
    assert kube.custom_resources(api, disc, "monitoring.coreos.com") == []
    assert kube.names_in(api, "kube-system") == RUN["kube_system_before"]
    state = project.state()
    assert state["deployment"].get("resources", []) == [], "the stack's state is not empty"


def _describe(objects: list[dict]) -> list[str]:
    return [
        f"{o['kind']} {o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objects
    ]


def test_a_bad_config_value_is_one_line_and_creates_nothing(project):
    project.pulumi("stack", "select", STACK, "--create")
    project.config_set("loadRps", "999")
    try:
        done = project.pulumi("preview", "--stack", STACK, check=False)
    finally:
        project.pulumi("config", "rm", "--stack", STACK, "loadRps")
    shown = done.stdout + done.stderr
    assert done.returncode != 0
    assert "loadRps = 999: allowed range is 0-50." in shown
    assert "Traceback" not in shown
    assert project.state()["deployment"].get("resources", []) == []


def test_up_creates_the_local_stack_without_warnings(project):
    RUN["kube_system_before"] = kube.names_in(project.cluster.api, "kube-system")
    events = _up(project, "up")
    assert events.summary, "no summary event: the update did not finish"
    pod_security = [w for w in events.warnings() if "PodSecurity" in w or "would violate" in w]
    assert pod_security == []
    RUN["warnings"] = events.warnings()


def test_every_planned_object_exists(project):
    planned = expected.planned_objects(STACK)
    RUN["planned"] = planned
    api = project.cluster.api
    assert kube.missing_objects(api, kube.Discovery(api), planned) == []


def test_every_workload_rolls_out_including_the_operators(project):
    found = _rolled_out(project)
    RUN["workloads"] = len(found)
    # the real operator, run on the host for its pod (kit/localcluster/hostpods.py), had no error
    (log,) = (project.cluster.dir / "logs").glob(f"{MONITORING_NS}.{KPS_RELEASE}-operator-*.log")
    assert [line for line in log.read_text().splitlines() if "level=error" in line] == []
    # and the kit's own status command sees every workload the stack has
    status = project.run("venv/bin/python", "-m", "kit", "status", "--stack", STACK)
    assert "All kit workloads present and their pods ready" in status.stdout


def test_the_operators_admission_webhooks_fail_open(project):
    """The webhooks keep an empty caBundle here (kwok runs no certificate Job: docs/e2e.md), so
    the kit's objects were admitted only because the chart ships them failing open."""
    api = project.cluster.api
    configs = [
        c
        for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations")
        for c in api.get(f"/apis/admissionregistration.k8s.io/v1/{kind}")["items"]
        if c["metadata"]["name"].startswith(KPS_RELEASE)
    ]
    assert configs
    policies = {w["failurePolicy"] for c in configs for w in c["webhooks"]}
    assert policies == {"Ignore"}


def test_every_helm_release_is_deployed(project):
    api = project.cluster.api
    for chart in versions.CHARTS:
        secrets = api.get(
            f"/api/v1/namespaces/{MONITORING_NS}/secrets?labelSelector=owner%3Dhelm,name%3D{chart.release}"
        )["items"]
        statuses = [s["metadata"]["labels"]["status"] for s in secrets]
        assert statuses and statuses[-1] == "deployed" or "deployed" in statuses, (
            chart.release,
            statuses,
        )
    releases = [
        r
        for r in project.state()["deployment"]["resources"]
        if r["type"] == "kubernetes:helm.sh/v3:Release"
    ]
    assert {r["outputs"]["status"]["status"] for r in releases} == {"deployed"}
    assert len(releases) == len(versions.CHARTS)


def test_stack_outputs_are_the_documented_ones(project):
    from kit.plan import offline

    documented = offline.evaluate(STACK).outputs
    real = project.outputs()
    assert set(real) == set(documented)
    for key, value in documented.items():
        if isinstance(value, offline.Secret):
            assert isinstance(real[key], str) and len(real[key]) >= 16, key
        else:
            assert real[key] == value, key


@pytest.mark.parametrize("refresh", [False, True], ids=["preview", "preview-refresh"])
def test_a_second_preview_finds_no_changes(project, refresh):
    args = ["preview", "--stack", STACK, "--expect-no-changes", "--policy-pack", "policy"]
    project.pulumi(*args, *(["--refresh"] if refresh else []))


def test_a_config_change_touches_only_what_it_should(project):
    config = project.pulumi("config", "get", "loadRps", "--stack", STACK, check=False)
    new = str((int(config.stdout.strip() or 0) or 5) + 3)
    want = expected.touched_by(STACK, {"loadRps": int(new)})
    assert want, "the offline evaluation says loadRps changes nothing"
    project.config_set("loadRps", new)
    log = project.dir / "preview-load.jsonl"
    project.pulumi("preview", "--stack", STACK, "--event-log", str(log))
    events = EventLog.read(log)
    changed = events.changed()
    # The SDK hands the whole stack config to the provider of dynamic resources (the Grafana
    # password's) so that pulumi.Config works in it: any config change updates that provider's
    # inputs and nothing else about it.
    dynamic = [u for u in changed if u.split("::")[-2] == "pulumi:providers:pulumi-python"]
    for urn in dynamic:
        assert events.changed_inputs[urn] == {"o11y-kit:loadRps"}, events.changed_inputs[urn]
    got = {
        (urn.split("::")[-2].split("$")[-1], urn.split("::")[-1])
        for urn in changed
        if urn not in dynamic
    }
    assert got == want, f"preview changes {sorted(got)}; the change should touch {sorted(want)}"
    project.run("make", "--no-print-directory", "up", f"STACK={STACK}", "YES=1")
    _rolled_out(project)
    project.pulumi("preview", "--stack", STACK, "--expect-no-changes")


def test_destroy_leaves_nothing_of_the_kit(project):
    log = project.dir / "destroy.jsonl"
    started = time.monotonic()
    done = project.make("destroy", f"PULUMI_ARGS=--event-log {log}")
    RUN["destroy_wall"] = time.monotonic() - started
    # what stays is said, not hidden: the prometheus-operator CRDs (kit/cli/crd_leftovers.py)
    assert "10 monitoring.coreos.com CRDs stay" in done.stdout + done.stderr
    RUN["destroy"] = EventLog.read(log)
    _assert_nothing_left(project, RUN["planned"])


def test_up_from_scratch_with_the_webhook_receiver_and_its_secret_url(project):
    project.config_set("alertReceiver", "webhook")
    project.config_set("alertWebhookUrl", WEBHOOK_URL, secret=True)
    events = _up(project, "up_webhook")
    assert [w for w in events.warnings() if "PodSecurity" in w] == []
    _rolled_out(project)
    planned = expected.planned_objects(STACK, WEBHOOK_OVERRIDES)
    api = project.cluster.api
    assert kube.missing_objects(api, kube.Discovery(api), planned) == []
    RUN["planned_webhook"] = planned
    # the URL reaches Alertmanager's Secret, and never the state or the stack file in clear
    import base64

    secret = api.get(f"/api/v1/namespaces/{MONITORING_NS}/secrets/alertmanager-receiver")
    assert base64.b64decode(secret["data"]["url"]).decode() == WEBHOOK_URL
    exported = project.pulumi("stack", "export", "--stack", STACK).stdout
    assert WEBHOOK_URL not in exported
    assert WEBHOOK_URL not in (project.dir / "stacks" / f"Pulumi.{STACK}.yaml").read_text()
    project.pulumi("preview", "--stack", STACK, "--expect-no-changes")


def test_destroy_after_the_webhook_cycle_leaves_nothing(project):
    project.make("destroy")
    _assert_nothing_left(project, RUN["planned_webhook"])


def test_report_timings(project, capsys):
    """Figures for the docs: wall times, counts, the slowest resources, and the critical path
    (the dependency chain the measured durations make longest; tests/e2e/timing.py)."""
    from kit.plan import offline
    from tests.e2e.timing import critical_path

    lines = []
    for name, overrides in (("up", None), ("up_webhook", WEBHOOK_OVERRIDES)):
        ev: EventLog | None = RUN.get(name)
        if not ev:
            continue
        evaluation = offline.evaluate(STACK, overrides)
        custom = {r.urn for r in evaluation.resources if r.custom}
        durations = {u: d for u, d in ev.durations().items() if u in custom}
        seconds, chain = critical_path(evaluation, durations)
        lines.append(
            f"{name}: {RUN[name + '_wall']:.1f} s wall (make up), engine {ev.wall:.0f} s, "
            f"{len(ev.finished)} resources; critical path {seconds:.0f} s: "
            + " -> ".join(f"{u.split('::')[-1]} {durations[u]:.0f} s" for u in chain)
        )
        slowest = sorted(durations.items(), key=lambda kv: -kv[1])[:5]
        lines += [f"    {d:4.0f} s  {urn.split('::')[-1]}" for urn, d in slowest]
    if "destroy" in RUN:
        lines.append(
            f"destroy: {RUN['destroy_wall']:.1f} s wall, {len(RUN['destroy'].finished)} resources"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
