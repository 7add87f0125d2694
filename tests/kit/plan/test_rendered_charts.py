"""What the three charts really create with the kit's values, read from `helm template` of the
pinned packages (kit/plan/helm_render.py): the values the kit passes must land where it means them,
and nothing the charts add may grant more than the kit intends."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
import yaml

from components import namespaces
from kit.cli import workloads
from kit.plan import helm_render, manifests
from tests.helpers import ROOT, chart_objects, require_plan_tools

pytestmark = pytest.mark.live

NEWEST = manifests.supported_versions()[1]
MONITORING = namespaces.MONITORING.name


@pytest.fixture
def rendered(evaluated):
    require_plan_tools()
    return lambda stack="local": chart_objects(evaluated(stack))


def one(objects: list[dict], kind: str, name: str) -> dict:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def containers(obj: dict) -> dict[str, dict]:
    return {c["name"]: c for c in obj["spec"]["template"]["spec"]["containers"]}


def test_grafana_reads_its_admin_user_and_password_from_the_kits_secret(rendered):
    env = {e["name"]: e for e in containers(one(rendered(), "Deployment", "kps-grafana"))[
        "grafana"]["env"]}  # fmt: skip
    for variable, key in (("GF_SECURITY_ADMIN_USER", "admin-user"),
                          ("GF_SECURITY_ADMIN_PASSWORD", "admin-password")):  # fmt: skip
        assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": "grafana-admin", "key": key}
    assert not [
        o for o in rendered() if o["kind"] == "Secret" and "grafana" in o["metadata"]["name"]
    ]


def test_grafana_provisions_prometheus_tempo_and_loki_linked_both_ways(rendered):
    objects = rendered()
    (text,) = one(objects, "ConfigMap", "kps-grafana-datasource")["data"].values()
    sources = {s["uid"]: s for s in yaml.safe_load(text)["datasources"]}
    assert {"prometheus", "tempo", "loki"} <= set(sources)
    tempo, loki = sources["tempo"]["jsonData"], sources["loki"]["jsonData"]
    assert tempo["tracesToLogsV2"]["datasourceUid"] == "loki"
    assert tempo["serviceMap"]["datasourceUid"] == "prometheus"  # the chart's own uid
    assert [f["datasourceUid"] for f in loki["derivedFields"]] == ["tempo"]
    # Each URL names a Service (and port) that a release really creates.
    services = {
        (o["metadata"]["name"], p["port"])
        for o in objects
        if o["kind"] == "Service"
        for p in o["spec"]["ports"]
    }
    for uid in ("prometheus", "tempo", "loki"):
        host, port = sources[uid]["url"].removeprefix("http://").rstrip("/").split(":")
        assert (host.split(".")[0], int(port)) in services, sources[uid]["url"]


def test_prometheus_takes_otlp_and_remote_write_and_selects_the_kits_rules_and_monitors(
    rendered, evaluated
):
    spec = one(rendered(), "Prometheus", "kps-prometheus")["spec"]
    assert spec["enableOTLPReceiver"] is True and spec["enableRemoteWriteReceiver"] is True
    kit = [manifests.manifest(r) for r in evaluated("local").resources if manifests.is_object(r)]
    ns_labels = {o["metadata"]["name"]: o["metadata"]["labels"] for o in kit
                 if o["kind"] == "Namespace"}  # fmt: skip
    for kind, selector in (("PrometheusRule", "rule"), ("PodMonitor", "podMonitor")):
        objects = [o for o in kit if o["kind"] == kind]
        assert objects, kind
        for obj in objects:
            assert selects(spec[f"{selector}Selector"], obj["metadata"].get("labels", {}))
            namespace = obj["metadata"]["namespace"]
            assert selects(spec[f"{selector}NamespaceSelector"], ns_labels[namespace])


def selects(selector: dict, labels: dict) -> bool:
    """A Kubernetes label selector's verdict (matchLabels and matchExpressions)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        verdict = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not verdict:
            return False
    return True


def test_lokis_rendered_config_keeps_the_kits_retention(rendered):
    config = yaml.safe_load(one(rendered(), "ConfigMap", "loki")["data"]["config.yaml"])
    assert config["limits_config"]["retention_period"] == "72h"
    assert config["limits_config"]["allow_structured_metadata"] is True
    assert config["compactor"]["retention_enabled"] is True


def test_alertmanager_mounts_the_receiver_secret_its_config_reads(evaluate):
    require_plan_tools()
    ev = evaluate("local", alertReceiver="webhook", alertWebhookUrl="https://hooks.example/x")
    objects = chart_objects(ev)
    spec = one(objects, "Alertmanager", "kps-alertmanager")["spec"]
    assert spec["secrets"] == ["alertmanager-receiver"]
    secret = one(objects, "Secret", "alertmanager-kps-alertmanager")
    config = yaml.safe_load(base64.b64decode(secret["data"]["alertmanager.yaml"]))
    (hook,) = [r for r in config["receivers"] if r["name"] == "o11y-kit"]
    # The operator mounts spec.secrets at /etc/alertmanager/secrets/<name>/.
    assert hook["webhook_configs"][0]["url_file"] == (
        "/etc/alertmanager/secrets/alertmanager-receiver/url"
    )
    assert "hooks.example" not in json.dumps(objects)


def test_tempo_keeps_its_data_on_a_size_limited_empty_dir(rendered):
    tempo = one(rendered(), "StatefulSet", "tempo")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in tempo["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in containers({"spec": {"template": {
        "spec": tempo}}})["tempo"]["volumeMounts"]}  # fmt: skip
    assert volumes[mounts["/var/tempo"]]["emptyDir"]["sizeLimit"]
    config = yaml.safe_load(one(rendered(), "ConfigMap", "tempo")["data"]["tempo.yaml"])
    storage = config["storage"]["trace"]
    assert storage["local"]["path"].startswith("/var/tempo/")
    assert storage["wal"]["path"].startswith("/var/tempo/")


def test_node_exporter_alone_of_the_charts_runs_in_the_node_namespace(rendered):
    placed = {
        (o["kind"], o["metadata"]["name"]): o["metadata"]["namespace"]
        for o in rendered()
        if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job")
    }
    assert placed.pop(("DaemonSet", "kps-prometheus-node-exporter")) == namespaces.NODE.name
    assert set(placed.values()) == {MONITORING}


def test_grafana_watches_only_its_own_namespace_with_a_role(rendered, evaluated):
    objects = rendered()
    assert (
        not [  # the chart's Role would add Secrets: the kit makes Grafana's RBAC
            o
            for o in objects
            if o["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
            and "grafana" in o["metadata"]["name"]
        ]
    )
    (binding,) = [
        o
        for o in kit_objects(evaluated("local"))
        if o["kind"] == "RoleBinding" and "grafana" in o["metadata"]["name"]
    ]
    assert binding["metadata"]["namespace"] == MONITORING
    assert binding["roleRef"]["kind"] == "Role"
    for name in ("grafana-sc-dashboard", "grafana-sc-datasources"):
        env = {e["name"]: e.get("value") for e in containers(
            one(objects, "Deployment", "kps-grafana"))[name]["env"]}  # fmt: skip
        assert (env["NAMESPACE"], env["RESOURCE"]) == (MONITORING, "configmap")


@pytest.mark.parametrize("stack", ["local", "aks", "eks"])
def test_grafana_may_read_configmaps_and_nothing_else(rendered, evaluated, stack):
    """Whatever its bindings name, chart's or kit's: Grafana's account reads ConfigMaps, and no
    Secret of its namespace (the alert receiver's token or SMTP password)."""
    objects = rendered(stack) + kit_objects(evaluated(stack))
    pod = one(objects, "Deployment", "kps-grafana")["spec"]["template"]["spec"]
    account = {"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": MONITORING}
    bound = [
        b["roleRef"] | {"namespace": b["metadata"].get("namespace")}
        for b in objects
        if b["kind"] in ("RoleBinding", "ClusterRoleBinding") and account in b["subjects"]
    ]
    assert bound
    rules = [
        rule
        for ref in bound
        for rule in one_role(objects, ref["kind"], ref["name"], ref["namespace"])["rules"]
    ]
    assert rules == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}
    ]


def kit_objects(evaluation) -> list[dict]:
    return [manifests.manifest(r) for r in evaluation.resources if manifests.is_object(r)]


def one_role(objects: list[dict], kind: str, name: str, namespace: str | None) -> dict:
    (found,) = [
        o
        for o in objects
        if (o["kind"], o["metadata"]["name"]) == (kind, name)
        and o["metadata"].get("namespace") == (namespace if kind == "Role" else None)
    ]
    return found


# Grants of Secrets, or of every resource, that the rendered plan keeps, each because the
# component cannot work without it (docs/security.md): the operator writes the config Secrets
# and ConfigMaps and the StatefulSets of the Prometheus and Alertmanager it manages
# (prometheus-operator Documentation/rbac.md), cluster-wide; the admission webhook's hook job
# stores the certificate it generates as a Secret of the monitoring namespace.
SECRETS_READERS = {("ClusterRole", "kps-operator"), ("Role", "kps-admission")}
WILDCARD_VERBS = {("ClusterRole", "kps-operator")}


@pytest.mark.parametrize("stack", ["local", "aks", "eks"])
def test_only_the_operator_and_webhook_job_touch_secrets_or_use_a_wildcard(
    rendered, evaluated, stack
):
    roles = [
        o
        for o in rendered(stack) + kit_objects(evaluated(stack))
        if o["kind"] in ("Role", "ClusterRole")
    ]
    assert len([r for r in roles if r["kind"] == "ClusterRole"]) >= 5
    assert len([r for r in roles if r["kind"] == "Role"]) >= 2
    secrets = {
        (role["kind"], role["metadata"]["name"])
        for role in roles
        for rule in role.get("rules") or []
        if "secrets" in rule.get("resources", []) or "*" in rule.get("resources", [])
    }
    wildcards = {
        (role["kind"], role["metadata"]["name"])
        for role in roles
        for rule in role.get("rules") or []
        if "*" in rule.get("verbs", []) + rule.get("resources", []) + rule.get("apiGroups", [])
    }
    assert (secrets, wildcards) == (SECRETS_READERS, WILDCARD_VERBS)


def test_custom_resources_are_checked_strictly_against_the_charts_own_crds(rendered):
    from kit.plan.checks.chart_crds import ChartCrds

    objects = rendered()
    crds = ChartCrds(o for o in objects if o["kind"] == "CustomResourceDefinition")
    prometheus = json.loads(json.dumps(one(objects, "Prometheus", "kps-prometheus")))
    assert crds.check(prometheus) == []
    prometheus["spec"]["enableOTLPReceivr"] = True  # a misspelt value the API would drop
    prometheus["spec"]["retention"] = 3
    reasons = " ".join(i.reason for i in crds.check(prometheus))
    assert "'enableOTLPReceivr' was unexpected" in reasons
    assert "spec/retention: 3 is not of type 'string'" in reasons


def test_a_chart_that_refuses_the_values_fails_the_plan_in_one_line(evaluated):
    """Loki's validate.yaml `fail`s on two filesystem replicas: helm install would stop there,
    and so does the plan, naming the release and the chart's own message."""
    require_plan_tools()
    (loki,) = [r for r in evaluated("local").of_type(helm_render.HELM_RELEASE)
               if r.inputs["name"] == "loki"]  # fmt: skip
    values = {**loki.inputs["values"], "singleBinary": {"replicas": 2}}
    broken = dataclasses.replace(loki, inputs={**loki.inputs, "values": values})
    with pytest.raises(helm_render.ChartRenderError) as failed:
        helm_render.render(broken, (NEWEST,))
    (line,) = str(failed.value).splitlines()
    assert line.startswith("helm template loki (loki 18.11.0, Kubernetes ")
    assert "Cannot run more than 1 Monolithic replica without an object storage backend" in line


@pytest.mark.parametrize("stack", ["local", "aks", "eks"])
def test_the_operators_kubelet_service_lives_in_the_monitoring_namespace(rendered, stack):
    """The operator creates and maintains the kubelet Service, Endpoints and EndpointSlices
    itself, so `helm uninstall` leaves them; in the kit's namespace they go with it on destroy
    (in kube-system they outlived the stack). The ServiceMonitor must look where they are."""
    objects = rendered(stack)
    args = containers(one(objects, "Deployment", "kps-operator"))["kube-prometheus-stack"]["args"]
    (flag,) = [a for a in args if a.startswith("--kubelet-service=")]
    namespace, name = flag.removeprefix("--kubelet-service=").split("/")
    assert (namespace, name) == (MONITORING, "kps-kubelet")
    assert not [a for a in args if a.startswith(("--namespaces=", "--deny-namespaces="))]
    monitor = one(objects, "ServiceMonitor", "kps-kubelet")
    assert monitor["metadata"]["namespace"] == MONITORING
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [MONITORING]}
    # What the operator's kubelet controller writes, through a ClusterRole bound cluster-wide
    # to the operator's own service account (so in the monitoring namespace too).
    pod = one(objects, "Deployment", "kps-operator")["spec"]["template"]["spec"]
    (binding,) = [
        b for b in objects
        if b["kind"] == "ClusterRoleBinding" and b["roleRef"]["name"] == "kps-operator"
    ]  # fmt: skip
    assert {"kind": "ServiceAccount", "name": pod["serviceAccountName"],
            "namespace": MONITORING} in binding["subjects"]  # fmt: skip
    rules = one(objects, "ClusterRole", "kps-operator")["rules"]

    def allowed(group: str, resource: str) -> set[str]:
        return {
            verb
            for rule in rules
            if group in rule.get("apiGroups", []) and resource in rule.get("resources", [])
            for verb in rule.get("verbs", [])
        }

    for resource in ("services", "endpoints"):
        assert {"get", "create", "update"} <= allowed("", resource), resource
    assert {"get", "list", "create", "update", "delete"} <= allowed(
        "discovery.k8s.io", "endpointslices"
    )


@pytest.mark.parametrize("stack", ["local", "aks", "eks"])
def test_nothing_but_the_charts_coredns_service_goes_into_kube_system(rendered, evaluated, stack):
    """The kit's objects stay in its own namespaces, which destroy removes. The one exception is
    Helm-managed (helm uninstall deletes it): the Service that gives the CoreDNS ServiceMonitor
    its targets must be in CoreDNS's namespace."""
    kit = [manifests.manifest(r) for r in evaluated(stack).resources if manifests.is_object(r)]
    placed = [
        (o["kind"], o["metadata"]["name"])
        for o in rendered(stack) + kit
        if o["metadata"].get("namespace") == "kube-system"
    ]
    assert placed == [("Service", "kps-coredns")]
    text = json.dumps(rendered(stack))
    assert "kube-system/kps-kubelet" not in text


@pytest.mark.parametrize("stack", ["local", "aks", "eks", "local-without-app", "local-prebuilt"])
def test_status_expects_exactly_the_workloads_the_plan_the_charts_and_the_operator_make(
    evaluated, evaluate, stack
):
    """kit/cli/workloads.py names them from the code (release names, fullnameOverride, the
    operator's naming of the Prometheus and Alertmanager objects): hold it to the plan and
    `helm template`, so `kit status` never misses one nor expects one that is not made."""
    require_plan_tools()
    if stack == "local-without-app":
        ev, shape = evaluate("local", sampleApp="false"), workloads.StackShape("local", False)
    elif stack == "local-prebuilt":
        ev = evaluate("local", sampleAppImage="ghcr.io/me/sample-app:1.0")
        shape = workloads.StackShape("local", prebuilt_app=True)
    else:
        ev, shape = evaluated(stack), workloads.shape_of(stack)
    kit = [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]
    charts = chart_objects(ev)
    made = {
        (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"])
        for o in kit + charts
        if o["kind"] in workloads.KINDS
    }
    for obj in charts:
        if obj["kind"] in workloads.OPERATOR_MADE:
            assert obj["spec"].get("shards", 1) == 1  # one StatefulSet per object
            name = workloads.operator_statefulset(obj["kind"], obj["metadata"]["name"])
            made.add(("StatefulSet", obj["metadata"]["namespace"], name))
    expected = [(w.kind, w.namespace, w.name) for w in workloads.expected(shape)]
    assert len(expected) == len(set(expected))
    assert set(expected) == made


def test_the_teardown_page_names_every_crd_destroy_leaves_and_how_to_remove_them(rendered):
    """Helm never deletes a chart's CRDs and the kit does not either; docs/teardown.md says which
    stay and gives the command, which must name exactly the pinned chart's."""
    crds = sorted(
        o["metadata"]["name"] for o in rendered() if o["kind"] == "CustomResourceDefinition"
    )
    assert len(crds) == 10 and all(c.endswith(".monitoring.coreos.com") for c in crds)
    teardown = (ROOT / "docs" / "teardown.md").read_text()
    command = teardown.split("kubectl delete crd ", 1)[1].split("```", 1)[0]
    assert sorted(command.replace("\\", " ").split()) == crds
    stays = teardown.split(
        "**What stays: the ten `monitoring.coreos.com` CustomResourceDefinitions**"
    )
    plurals = stays[1].split("(", 1)[1].split(")", 1)[0].replace("`", "").replace(",", " ")
    assert sorted(f"{p}.monitoring.coreos.com" for p in plurals.split()) == crds
