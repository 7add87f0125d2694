"""Least privilege and placement of the agent's workloads."""

from __future__ import annotations

import hashlib
import json

import pytest
from kubernetes.utils import parse_quantity

from agent import FARGATE_GATEWAY, FARGATE_SCRAPER, CloudPatch, node_agent_manifests
from agent.quantities import MIB
from components.platforms.eks.exporters import IRSA_ANNOTATION
from components.platforms.eks.fargate_collectors import fargate_collector_manifests
from tests.agent.stacks import (
    AWS,
    NAMESPACE,
    STACK_IDS,
    STACKS,
    all_objects,
    backends_for,
    patch_for,
)

RBAC_KINDS = {"ClusterRole", "Role"}


def _rules(objects: list[dict], name_part: str) -> list[dict]:
    return [
        rule
        for obj in objects
        if obj["kind"] in RBAC_KINDS and name_part in obj["metadata"]["name"]
        for rule in obj["rules"]
    ]


def _grants(objects: list[dict], name_part: str, resource: str) -> bool:
    return any(resource in rule["resources"] for rule in _rules(objects, name_part))


def _all_of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def _of_kind(objects: list[dict], kind: str) -> dict:
    (found,) = _all_of_kind(objects, kind)
    return found


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_no_wildcard_anywhere_in_any_rule(cloud, fargate):
    for rule in _rules(all_objects(cloud, fargate), ""):
        assert "*" not in json.dumps(rule), rule


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_nodes_proxy_only_on_the_fargate_scraper_and_only_with_fargate(cloud, fargate):
    objects = all_objects(cloud, fargate)
    assert not _grants(objects, "node-agent", "nodes/proxy")
    assert not _grants(objects, "cluster-agent", "nodes/proxy")
    assert _grants(objects, FARGATE_SCRAPER, "nodes/proxy") is fargate


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_rules_only_read_except_the_container_insights_leader_lock(cloud, fargate):
    objects = all_objects(cloud, fargate)
    for obj in objects:
        if obj["kind"] == "ClusterRole":
            for rule in obj["rules"]:
                assert set(rule["verbs"]) <= {"get", "list", "watch"}, rule
    writes = [r for r in _rules(objects, "") if set(r["verbs"]) - {"get", "list", "watch"}]
    assert all(r in _rules(objects, "node-agent") for r in writes)
    assert bool(writes) is (cloud == "eks")


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_each_mode_has_its_own_service_account_and_bindings_point_at_it(cloud, fargate):
    objects = all_objects(cloud, fargate)
    accounts = {o["metadata"]["name"] for o in objects if o["kind"] == "ServiceAccount"}
    fargate_accounts = {FARGATE_SCRAPER, FARGATE_GATEWAY} if fargate else set()
    assert accounts == {"otel-node-agent", "otel-cluster-agent", *fargate_accounts}
    for binding in (o for o in objects if o["kind"] in {"ClusterRoleBinding", "RoleBinding"}):
        (subject,) = binding["subjects"]
        assert subject["name"] in accounts and subject["namespace"] == NAMESPACE


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_irsa_role_is_annotated_on_collector_accounts_only_on_eks(cloud, fargate):
    for obj in all_objects(cloud, fargate):
        if obj["kind"] == "ServiceAccount":
            annotated = IRSA_ANNOTATION in obj["metadata"].get("annotations", {})
            # the scraper writes only to Prometheus: no cloud credentials
            writes_to_cloud = obj["metadata"]["name"] != FARGATE_SCRAPER
            assert annotated is (cloud == "eks" and writes_to_cloud)


def test_the_fargate_gateway_holds_no_rbac_and_no_api_token_and_the_scraper_no_service():
    objects = fargate_collector_manifests(NAMESPACE, backends_for("eks"), AWS)
    bound = {s["name"] for o in objects if "subjects" in o for s in o["subjects"]}
    assert bound == {FARGATE_SCRAPER}
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert by_name["ServiceAccount", FARGATE_GATEWAY]["automountServiceAccountToken"] is False
    pod = by_name["Deployment", FARGATE_GATEWAY]["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    services = {name for kind, name in by_name if kind == "Service"}
    assert services == {FARGATE_GATEWAY}


def test_app_insights_connection_string_comes_from_the_named_secret():
    daemon_set = _of_kind(
        node_agent_manifests(NAMESPACE, backends_for("aks"), patch_for("aks").node), "DaemonSet"
    )
    env = daemon_set["spec"]["template"]["spec"]["containers"][0]["env"]
    (entry,) = [e for e in env if e["name"] == "APPLICATIONINSIGHTS_CONNECTION_STRING"]
    assert entry["valueFrom"]["secretKeyRef"]["name"] == "app-insights"


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_daemonset_tolerates_every_taint_but_never_lands_on_fargate(cloud, fargate):
    pod = _of_kind(all_objects(cloud, fargate), "DaemonSet")["spec"]["template"]["spec"]
    assert pod["tolerations"] == [{"operator": "Exists"}]
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    (term,) = terms["nodeSelectorTerms"]
    assert {
        "key": "eks.amazonaws.com/compute-type",
        "operator": "NotIn",
        "values": ["fargate"],
    } in term["matchExpressions"]
    assert all("hostPort" not in p for c in pod["containers"] for p in c["ports"])


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_node_agent_on_the_host_network_only_on_eks_where_imds_is_one_hop(cloud, fargate):
    pod = _of_kind(all_objects(cloud, fargate), "DaemonSet")["spec"]["template"]["spec"]
    if cloud == "eks":
        assert pod["hostNetwork"] is True
        assert pod["dnsPolicy"] == "ClusterFirstWithHostNet"  # Service names still resolve
    else:
        assert "hostNetwork" not in pod and "dnsPolicy" not in pod


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_node_agent_is_reached_through_a_node_local_service(cloud, fargate):
    services = [o for o in all_objects(cloud, fargate) if o["kind"] == "Service"]
    node_service = next(s for s in services if s["metadata"]["name"] == "otel-node-agent")
    assert node_service["spec"]["internalTrafficPolicy"] == "Local"
    assert {p["port"] for p in node_service["spec"]["ports"]} == {4317, 4318}


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_cluster_agent_and_fargate_scraper_are_single_writers(cloud, fargate):
    for deployment in _all_of_kind(all_objects(cloud, fargate), "Deployment"):
        assert deployment["spec"]["replicas"] == 1
        if deployment["metadata"]["name"] != FARGATE_GATEWAY:
            assert deployment["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_collectors_drop_all_capabilities_and_root_only_where_host_logs_are_read(cloud, fargate):
    objects = all_objects(cloud, fargate)
    workloads = [(w, w["kind"] == "DaemonSet") for w in _all_of_kind(objects, "DaemonSet")]
    workloads += [(w, False) for w in _all_of_kind(objects, "Deployment")]
    for workload, root in workloads:
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        context = container["securityContext"]
        assert context["capabilities"]["drop"] == ["ALL"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert (context["runAsUser"] == 0) is root
        assert "privileged" not in context


@pytest.mark.parametrize(("cloud", "fargate"), STACKS, ids=STACK_IDS)
def test_workloads_roll_on_config_change_and_limit_go_memory(cloud, fargate):
    objects = all_objects(cloud, fargate)
    for workload in _all_of_kind(objects, "DaemonSet") + _all_of_kind(objects, "Deployment"):
        template = workload["spec"]["template"]
        (container,) = template["spec"]["containers"]
        assert len(template["metadata"]["annotations"]["checksum/config"]) == 64
        assert container["resources"]["requests"] == container["resources"]["limits"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        limit = parse_quantity(container["resources"]["limits"]["memory"])
        go_limit = parse_quantity(env["GOMEMLIMIT"].replace("MiB", "Mi"))
        assert go_limit == limit * 8 // 10 // MIB * MIB
        assert container["livenessProbe"]["httpGet"]["port"] == 13133


def test_the_checksum_is_the_sha256_of_the_rendered_config():
    backends = backends_for("local")

    def checksum_and_config(ns: str) -> tuple[str, str]:
        objects = node_agent_manifests(ns, backends, patch_for("local").node)
        template = _of_kind(objects, "DaemonSet")["spec"]["template"]
        rendered = _of_kind(objects, "ConfigMap")["data"]["relay.yaml"]
        return template["metadata"]["annotations"]["checksum/config"], rendered

    checksum_a, config_a = checksum_and_config("a")
    checksum_b, _ = checksum_and_config("b")  # its file_log exclude names namespace b
    assert checksum_a == hashlib.sha256(config_a.encode()).hexdigest()
    assert checksum_a != checksum_b


def test_without_a_patch_the_node_agent_exports_only_in_cluster():
    """Cloud exporters come only from a platform's patch: none without one."""
    import yaml

    objects = node_agent_manifests(NAMESPACE, backends_for("local"), CloudPatch().node)
    config = yaml.safe_load(_of_kind(objects, "ConfigMap")["data"]["relay.yaml"])
    assert set(config["exporters"]) == {
        "otlp_grpc/traces",
        "otlp_http/prometheus",
        "otlp_http/loki",
    }


@pytest.mark.parametrize("mode", ["node", "cluster"])
def test_a_patch_exporter_is_named_once_with_the_pipelines_it_joins(mode):
    """The eks patch declares each exporter with the pipelines that use it, so every exporter it
    adds is used, and every pipeline it joins or owns names it."""
    patch = getattr(patch_for("eks"), mode)
    for addition in patch.additions:
        exporters = list(addition.preset.exporters)
        assert not exporters or addition.joins or addition.pipelines, addition
        for own in addition.pipelines.values():
            assert set(own["exporters"]) <= set(exporters)
    joined = patch.pipelines({"traces": [], "logs": [], "logs/events": []})
    assert any(joined.values())


K8S_CLUSTER_STACKS = [(c, f) for c, f in STACKS if c == "eks"]  # for the node Ready alarm


@pytest.mark.parametrize(("cloud", "fargate"), K8S_CLUSTER_STACKS)
def test_k8s_cluster_gets_list_and_watch_on_what_it_watches_and_no_volumes(cloud, fargate):
    """PVs, PVCs and EndpointSlices are watched only when their metrics, metadata_exporters or
    a logs pipeline (entity events) are configured: the config must enable none of them."""
    import yaml

    from agent.preset_catalog import K8S_CLUSTER_WATCHES

    objects = all_objects(cloud, fargate)
    rules = _rules(objects, "cluster-agent")
    for group, resources in K8S_CLUSTER_WATCHES:
        for resource in resources:
            assert any(
                group in r["apiGroups"]
                and resource in r["resources"]
                and {"list", "watch"} <= set(r["verbs"])
                for r in rules
            ), (group, resource)
    for resource in ("persistentvolumes", "persistentvolumeclaims", "endpointslices"):
        assert not _grants(objects, "cluster-agent", resource)
    (config_map,) = [
        o for o in objects if o["kind"] == "ConfigMap" and "cluster-agent" in o["metadata"]["name"]
    ]
    config = yaml.safe_load(config_map["data"]["relay.yaml"])
    receiver = config["receivers"]["k8s_cluster"]
    assert "metadata_exporters" not in receiver and "metrics" not in receiver
    for name, pipeline in config["service"]["pipelines"].items():
        if "k8s_cluster" in pipeline["receivers"]:
            assert name.startswith("metrics"), name


@pytest.mark.parametrize("cloud", ["local", "aks"])
def test_without_a_cloud_alarm_the_cluster_agent_watches_only_events(cloud):
    """kube-state-metrics gives Prometheus the workload state: no k8s_cluster, so no list or
    watch of nodes, pods or workloads either."""
    rules = _rules(all_objects(cloud, False), "cluster-agent")
    assert [sorted(r["resources"]) for r in rules] == [["events"]], rules
