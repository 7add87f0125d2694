"""The plan's reference checks (kit/plan/checks/references.py): each relation broken on
purpose, one at a time, on a copy of the real eks plan's objects, must be reported naming the
object and the dangling name; the plans as committed must have none."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from kit.plan import manifests
from kit.plan.checks import kube_score, network_flows, references
from kit.plan.checks.findings import Report
from tests.helpers import STACK_NAMES, chart_objects, require_plan_tools, require_tool

pytestmark = pytest.mark.live

Json = dict


def plan_objects(evaluation) -> list[Json]:
    return [manifests.manifest(r) for r in evaluation.resources if manifests.is_object(r)]


def with_charts(evaluation) -> list[Json]:
    """The kit's objects and the charts' rendered ones, as the plan checks them (the
    NetworkPolicies of o11y-monitoring select the charts' pods)."""
    require_plan_tools()
    return plan_objects(evaluation) + chart_objects(evaluation)


@pytest.fixture
def eks_objects(evaluated):
    return copy.deepcopy(plan_objects(evaluated("eks")))


@pytest.fixture
def eks_with_charts(evaluated):
    return copy.deepcopy(with_charts(evaluated("eks")))


@pytest.fixture
def kube_score_built():
    require_tool(kube_score.BINARY, "kube-score", kube_score.HOW_TO_ENABLE)


def find(objects: list[Json], kind: str, name: str) -> Json:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def pod(objects: list[Json], name: str) -> Json:
    return find(objects, "Deployment", name)["spec"]["template"]["spec"]


def container(objects: list[Json], workload: str, name: str) -> Json:
    (found,) = [c for c in pod(objects, workload)["containers"] if c["name"] == name]
    return found


def dangling(objects: list[Json]) -> list[str]:
    return [str(d) for d in references.check(objects).dangling]


RELATIONS = (
    "config/secret reference",
    "volumeMount",
    "command file",
    "service address",
    "PodMonitor",
    "named port",
    "serviceAccount",
    "role binding",
    "collector ${env:…}",
    "collector path",
    "network flow",
    "kube-score",
)


@pytest.mark.parametrize("stack", STACK_NAMES)
@pytest.mark.slow
def test_the_committed_plans_have_no_dangling_reference(evaluated, stack, kube_score_built):
    report = references.check(with_charts(evaluated(stack)))
    assert report.dangling == []
    for relation in RELATIONS:
        assert report.checked[relation] > 0, relation


def _grafana_like(objects: list[Json], key: str) -> None:
    """What the Grafana chart renders from `admin.existingSecret`/`passwordKey`."""
    objects.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "kps-grafana", "namespace": "o11y-monitoring"},
            "spec": {
                "selector": {"matchLabels": {"app.kubernetes.io/name": "grafana"}},
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": "grafana"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "grafana",
                                "image": "grafana/grafana",
                                "env": [
                                    {
                                        "name": "GF_SECURITY_ADMIN_PASSWORD",
                                        "valueFrom": {
                                            "secretKeyRef": {"name": "grafana-admin", "key": key}
                                        },
                                    }
                                ],
                            }
                        ]
                    },
                },
            },
        }
    )


def _env_from_missing(objects):
    agent = container(objects, "otel-cluster-agent", "otel-collector")
    agent["envFrom"] = [{"secretRef": {"name": "otel-exporter-keys"}}]


def _config_map_volume_renamed(objects):
    source = next(v for v in pod(objects, "sample-front")["volumes"] if v["name"] == "source")
    source["configMap"]["name"] = "sample-app-src"


def _projected_key_missing(objects):
    items = [{"key": "main.py", "path": "m.py"}]
    source = {"configMap": {"name": "sample-app-source", "items": items}}
    pod(objects, "sample-front")["volumes"].append(
        {"name": "extra", "projected": {"sources": [source]}}
    )


def _source_without_loadgen(objects):
    del find(objects, "ConfigMap", "sample-app-source")["data"]["loadgen.py"]


def _mount_without_volume(objects):
    spec = pod(objects, "sample-back")
    spec["volumes"] = [v for v in spec["volumes"] if v["name"] != "otel-log-wrapper"]


def _sidecar_env_unset(objects):
    sidecar = container(objects, "sample-back", "otel-collector")
    sidecar["env"] = [e for e in sidecar["env"] if e["name"] != "K8S_POD_UID"]


def _sidecar_without_log_mount(objects):
    sidecar = container(objects, "sample-back", "otel-collector")
    sidecar["volumeMounts"] = [m for m in sidecar["volumeMounts"] if m["name"] != "otel-app-logs"]


def _state_read_only(objects):
    agent = container(objects, "otel-cluster-agent", "otel-collector")
    next(m for m in agent["volumeMounts"] if m["name"] == "otelcol-state")["readOnly"] = True


def _app_writes_elsewhere(objects):
    app = container(objects, "sample-back", "app")
    next(e for e in app["env"] if e["name"] == "APP_LOG_DIR")["value"] = "/var/log/other"


def _app_does_not_mount_logs(objects):
    app = container(objects, "sample-back", "app")
    app["volumeMounts"] = [m for m in app["volumeMounts"] if m["name"] != "otel-app-logs"]


def _service_account_missing(objects):
    pod(objects, "otel-cluster-agent")["serviceAccountName"] = "otel-cluster-agnet"


def _role_missing(objects):
    find(objects, "RoleBinding", "otel-container-insights")["roleRef"]["name"] = "otel-insights"


def _cluster_role_missing(objects):
    binding = find(objects, "ClusterRoleBinding", "o11y-agent-otel-cluster-agent")
    binding["roleRef"]["name"] = "otel-cluster-agnet"


def _subject_missing(objects):
    find(objects, "ClusterRoleBinding", "o11y-node-otel-node-agent")["subjects"][0]["name"] = (
        "nobody"
    )


def _ingress_from_wrong_caller(objects):
    policy = find(objects, "NetworkPolicy", "middle")
    policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"] = {
        "app.kubernetes.io/name": "sample-loadgen"
    }


def _ingress_wrong_port(objects):
    find(objects, "NetworkPolicy", "back")["spec"]["ingress"][0]["ports"] = [
        {"protocol": "TCP", "port": "metrics"}
    ]


def _egress_denied(objects):
    """The app's default-deny then holds back its telemetry to the node agent."""
    objects.remove(find(objects, "NetworkPolicy", "tiers-egress"))


def _node_agent_port_moved(objects):
    service = find(objects, "Service", "otel-node-agent")
    next(p for p in service["spec"]["ports"] if p["port"] == 4318)["port"] = 4319


def _middle_service_renamed(objects):
    find(objects, "Service", "middle")["metadata"]["name"] = "sample-middle"


def _app_port_renamed(objects):
    container(objects, "sample-front", "app")["ports"][0]["name"] = "web"


def _pod_monitor_port(objects):
    find(objects, "PodMonitor", "otel-cluster-agent")["spec"]["podMetricsEndpoints"][0]["port"] = (
        "prometheus"
    )


def _pod_monitor_selector(objects):
    monitor = find(objects, "PodMonitor", "otel-node-agent")
    monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "otel-agent"


BREAKS: dict[str, tuple[Callable, str]] = {
    "service port": (
        _node_agent_port_moved,
        "Deployment o11y-app/sample-front container app env OTEL_EXPORTER_OTLP_ENDPOINT: service "
        "address names port 4318 of Service o11y-node/otel-node-agent, which serves",
    ),
    "service name": (
        _middle_service_renamed,
        "container app env DOWNSTREAM_URL: service address names Service o11y-app/middle, which",
    ),
    "Service targetPort": (
        _app_port_renamed,
        "Service o11y-app/front: targetPort names 'http', a port its pods do not name (['web'])",
    ),
    "probe port": (
        _app_port_renamed,
        "sample-front container app: readinessProbe port names 'http', which the container",
    ),
    "PodMonitor port": (_pod_monitor_port, "podMetricsEndpoints port names 'prometheus', which"),
    "PodMonitor selector": (
        _pod_monitor_selector,
        "PodMonitor o11y-node/otel-node-agent: selector names no pod template of the plan",
    ),
    "secretKeyRef key": (
        lambda o: _grafana_like(o, "admin-pass"),
        "Deployment o11y-monitoring/kps-grafana: a Secret key reference names Secret "
        "o11y-monitoring/grafana-admin key(s) ['admin-pass']; it has ['admin-password', "
        "'admin-user']",
    ),
    "envFrom Secret": (_env_from_missing, "Secret o11y-agent/otel-exporter-keys, which the plan"),
    "configMap volume": (_config_map_volume_renamed, "ConfigMap o11y-app/sample-app-src, which"),
    "projected key": (_projected_key_missing, "key(s) ['main.py']; it has ['app.py',"),
    "command file": (
        _source_without_loadgen,
        "Deployment o11y-app/sample-loadgen container loadgen: command file names "
        "/app/loadgen.py, which ConfigMap o11y-app/sample-app-source does not hold",
    ),
    "volumeMount": (_mount_without_volume, "volume 'otel-log-wrapper', which the pod does not"),
    "collector env": (_sidecar_env_unset, "${env:…} names K8S_POD_UID, which the container"),
    "collector reads no mount": (
        _sidecar_without_log_mount,
        "container otel-collector: collector file_log/stdout path names "
        "/var/log/app/stdout.*.log, under no mount of the container",
    ),
    "storage read-only": (_state_read_only, "/var/lib/otelcol, on read-only mount otelcol-state"),
    "app writes elsewhere": (
        _app_writes_elsewhere,
        "collector file_log/stdout reads names /var/log/app, which no writer's env names "
        "(app mounts it at /var/log/app)",
    ),
    "nobody writes": (
        _app_does_not_mount_logs,
        "reads names volume otel-app-logs that no other container of the pod mounts writable",
    ),
    "serviceAccount": (_service_account_missing, "ServiceAccount o11y-agent/otel-cluster-agnet"),
    "Role": (_role_missing, "roleRef names Role o11y-node/otel-insights, which the plan"),
    "ClusterRole": (_cluster_role_missing, "roleRef names ClusterRole otel-cluster-agnet"),
    "subject": (_subject_missing, "subject names ServiceAccount o11y-node/nobody"),
    "ingress peer": (
        _ingress_from_wrong_caller,
        "flow o11y-app/sample-front -> o11y-app/sample-middle 8080/TCP: NetworkPolicy ingress "
        "names no rule in o11y-app/{default-deny, middle}",
    ),
    "ingress port": (_ingress_wrong_port, "flow o11y-app/sample-middle -> o11y-app/sample-back"),
    "egress": (
        _egress_denied,
        "flow o11y-app/sample-front -> o11y-node/otel-node-agent 4318/TCP: NetworkPolicy egress",
    ),
}


_unbroken: list[list[str]] = []


def _unbroken_dangling(objects: list[Json]) -> list[str]:
    """What the eks objects report before a break: the same copy for every relation (the
    evaluation is cached), so checked once per process (each check runs kube-score)."""
    if not _unbroken:
        _unbroken.append(dangling(objects))
    return _unbroken[0]


@pytest.mark.parametrize("relation", BREAKS)
@pytest.mark.slow
def test_a_broken_relation_is_reported(eks_with_charts, relation):
    break_it, expected = BREAKS[relation]
    assert _unbroken_dangling(eks_with_charts) == [] or not kube_score.BINARY.exists()
    break_it(eks_with_charts)
    found = dangling(eks_with_charts)
    assert any(expected in line for line in found), found


def _service_selects_nothing(objects):
    find(objects, "Service", "front")["spec"]["selector"] = {"app.kubernetes.io/name": "frnt"}


def _policy_selects_nothing(objects):
    policy = find(objects, "NetworkPolicy", "front")
    policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] = "frnt"


def _selector_misses_template(objects):
    deployment = find(objects, "Deployment", "sample-loadgen")
    deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "loadgen"


KUBE_SCORE_BREAKS = {
    "service": (_service_selects_nothing, "Service o11y-app/front: kube-score service-targets"),
    "policy": (_policy_selects_nothing, "NetworkPolicy o11y-app/front: kube-score"),
    "selector": (_selector_misses_template, "Deployment o11y-app/sample-loadgen: kube-score"),
}


@pytest.mark.parametrize("relation", KUBE_SCORE_BREAKS)
def test_kube_score_reports_what_selects_nothing(eks_objects, kube_score_built, relation):
    break_it, expected = KUBE_SCORE_BREAKS[relation]
    break_it(eks_objects)
    found = dangling(eks_objects)
    assert any(line.startswith(expected) for line in found), found


def test_without_kube_score_the_plan_says_so_and_ci_fails(tmp_path, monkeypatch):
    monkeypatch.delenv("KIT_REQUIRE_TOOLS", raising=False)
    report = Report(0)
    kube_score.check([], report, binary=tmp_path / "kube-score")
    assert report.ok and report.notes == [
        "kube-score not built, its checks skipped: run `make kube-score` (needs Go)"
    ]
    monkeypatch.setenv("KIT_REQUIRE_TOOLS", "1")
    report = Report(0)
    kube_score.check([], report, binary=tmp_path / "kube-score")
    assert not report.ok


def test_named_ports_and_allowed_flows_pass(eks_with_charts):
    find(objects=eks_with_charts, kind="NetworkPolicy", name="back")["spec"]["ingress"][0][
        "ports"
    ] = [{"protocol": "TCP", "port": "http"}]  # the back container's port named http is 8080
    assert not any("flow" in line for line in dangling(eks_with_charts))


def test_every_endpoint_of_the_flows_table_is_a_pod_of_some_plan(evaluated):
    """A typo in the table would make a flow silently not apply."""
    plans = {stack: references.Index(with_charts(evaluated(stack))) for stack in STACK_NAMES}
    for flow in network_flows.table():
        for spec in (*flow.sources, *flow.targets):
            if "@" in spec or spec in (network_flows.OUTSIDE, "*"):
                continue
            assert any(network_flows.endpoints(index, spec) for index in plans.values()), spec


def _prometheus_and_its_service(selector_name: str) -> list[Json]:
    """A Prometheus object and the Service kube-prometheus-stack renders for it."""
    meta = {"name": "kps-prometheus", "namespace": "o11y-monitoring"}
    return [
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": meta,
         "spec": {}},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta,
         "spec": {"selector": {"app.kubernetes.io/name": "prometheus",
                               "operator.prometheus.io/name": selector_name},
                  "ports": [{"name": "http-web", "port": 9090, "targetPort": 9090}]}},
    ]  # fmt: skip


def test_services_of_operator_made_pods_resolve(eks_objects, kube_score_built):
    # the kit's objects alone: its NetworkPolicies, which select the charts' pods, left out
    eks_objects = [o for o in eks_objects if o["kind"] != "NetworkPolicy"]

    def selector_findings(objects: list[Json]) -> list[str]:
        return [line for line in dangling(objects) if "kube-score" in line]

    assert selector_findings(eks_objects + _prometheus_and_its_service("kps-prometheus")) == []
    found = selector_findings(eks_objects + _prometheus_and_its_service("kps-prom"))
    assert found == [
        "Service o11y-monitoring/kps-prometheus: kube-score service-targets-pod names "
        "The services selector does not match any pods"
    ]


def test_the_cluster_dns_pods_are_taken_as_present(eks_objects):
    report = references.check(eks_objects)
    assert report.made == 1  # CoreDNS; no Prometheus object without the rendered charts
    assert "note: 0 flow" not in "\n".join(report.summary())
