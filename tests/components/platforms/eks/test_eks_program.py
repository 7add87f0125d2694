"""The eks stack as a whole: the agent writes to CloudWatch and X-Ray with the collectors' IRSA
role, Fargate pods carry the sidecar and nothing a Fargate node rejects, the alarms wait for
the agent."""

from __future__ import annotations

import yaml

from components.platforms.eks.exporters import XRAY_AUTH, XRAY_EXPORTER
from kit.plan import manifests

ROLE = "aws:iam/role:Role"
REGION = "ap-northeast-1"  # stacks/Pulumi.eks.yaml
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _objects(ev):
    return [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]


def test_only_the_collector_service_accounts_carry_the_irsa_role(evaluated):
    ev = evaluated("eks")
    accounts = [o for o in _objects(ev) if o["kind"] == "ServiceAccount"]
    annotated = {
        o["metadata"]["name"]: o["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        for o in accounts
        if "eks.amazonaws.com/role-arn" in o["metadata"].get("annotations", {})
    }
    # the Fargate kubelet scraper writes only to Prometheus: no cloud credentials
    writers = {"otel-node-agent", "otel-container-insights", "otel-cluster-agent"}
    assert set(annotated) == {*writers, "otel-fargate-gateway"}
    irsa = [r for r in ev.of_type(ROLE) if "AssumeRoleWithWebIdentity" in str(r.inputs)]
    (role,) = [r for r in irsa if "o11y-agent" in r.inputs["assumeRolePolicy"]]
    assert set(annotated.values()) == {role.outputs["arn"]}
    # the only other web-identity role is the VPC CNI's, for kube-system's aws-node (an add-on)
    assert [r.name for r in irsa if r is not role] == ["o11y-kit-eks-vpc-cni-role"]
    app_pods = [
        o["spec"]["template"]["spec"]
        for o in _objects(ev)
        if o["kind"] == "Deployment" and o["metadata"]["namespace"] == "o11y-app"
    ]
    assert app_pods and all(p.get("automountServiceAccountToken") is False for p in app_pods)


def test_agent_exports_to_cloudwatch_and_xray_on_eks(evaluated):
    configs = [
        yaml.safe_load(next(iter(o["data"].values())))
        for o in _objects(evaluated("eks"))
        if o["kind"] == "ConfigMap" and o["metadata"]["namespace"] in ("o11y-agent", "o11y-node")
    ]
    exporters = {name.split("/")[0] for c in configs for name in c["exporters"]}
    assert {"awsemf", "awscloudwatchlogs"} <= exporters and "awsxray" not in exporters
    # traces: X-Ray's OTLP endpoint, signed by sigv4auth, from every collector with a traces
    # pipeline (node agent, Fargate gateway), all alike
    tracing = [c for c in configs if "traces" in c["service"]["pipelines"]]
    assert tracing
    for config in tracing:
        assert XRAY_EXPORTER in config["service"]["pipelines"]["traces"]["exporters"]
        assert XRAY_AUTH in config["service"]["extensions"]
        assert config["exporters"][XRAY_EXPORTER] == tracing[0]["exporters"][XRAY_EXPORTER]
        assert config["extensions"][XRAY_AUTH] == {"region": REGION, "service": "xray"}
        exporter = config["exporters"][XRAY_EXPORTER]
        assert exporter["traces_endpoint"] == f"https://xray.{REGION}.amazonaws.com/v1/traces"
        assert exporter["auth"] == {"authenticator": XRAY_AUTH}


def test_fargate_pods_have_the_sidecar_and_nothing_fargate_rejects(evaluated):
    objects = _objects(evaluated("eks"))
    fargate = [
        o
        for o in objects
        if o["kind"] == "Deployment"
        and o["spec"]["template"]["metadata"]["labels"].get("o11y-kit/compute") == "fargate"
    ]
    assert [o["metadata"]["name"] for o in fargate] == ["sample-back"]
    pod = fargate[0]["spec"]["template"]["spec"]
    assert "otel-collector" in {c["name"] for c in pod["containers"]}
    assert not pod.get("hostNetwork") and not pod.get("hostPID")
    assert all("hostPath" not in v for v in pod["volumes"])
    for c in pod["containers"] + pod.get("initContainers", []):
        assert not c.get("securityContext", {}).get("privileged")
        assert all("hostPort" not in p for p in c.get("ports", []))
    sidecar_config = [
        o
        for o in objects
        if o["kind"] == "ConfigMap"
        and o["metadata"]["namespace"] == "o11y-app"
        and o["metadata"]["name"] != "sample-app-source"
    ]
    assert len(sidecar_config) == 1  # the volumes the sidecar mounts exist


def test_no_daemonset_targets_fargate_nodes(evaluated):
    daemonsets = [o for o in _objects(evaluated("eks")) if o["kind"] == "DaemonSet"]
    names = {d["metadata"]["name"] for d in daemonsets}
    assert names == {"otel-node-agent", "otel-container-insights"}
    for daemonset in daemonsets:
        affinity = daemonset["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
        terms = affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        assert all(
            {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]}
            in term["matchExpressions"]
            for term in terms
        )


def test_alarms_wait_for_the_agent_that_writes_their_metric(evaluated):
    ev = evaluated("eks")
    daemonsets = ev.of_type("kubernetes:apps/v1:DaemonSet")
    alarms = ev.of_type(ALARM)
    assert len(alarms) == 2
    assert all(d.urn in alarm.dependencies for d in daemonsets for alarm in alarms)


def test_fargate_tier_logs_are_named_after_their_tier_and_carry_trace_context(evaluated):
    """`kit verify` looks for {service_name="sample-back"} lines with a trace_id in Loki; on
    Fargate those come from the sidecar's file_log, not from the node agent."""
    objects = _objects(evaluated("eks"))
    (back,) = [
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "sample-back"
    ]
    template = back["spec"]["template"]
    (sidecar,) = [c for c in template["spec"]["containers"] if c["name"] == "otel-collector"]
    env = {e["name"]: e for e in sidecar["env"]}
    path = env["K8S_APP_NAME"]["valueFrom"]["fieldRef"]["fieldPath"]
    label = path.removeprefix("metadata.labels['").removesuffix("']")
    assert template["metadata"]["labels"][label] == "sample-back"
    (config_map,) = [
        o
        for o in objects
        if o["kind"] == "ConfigMap"
        and o["metadata"]["namespace"] == "o11y-app"
        and o["metadata"]["name"] != "sample-app-source"
    ]
    config = yaml.safe_load(config_map["data"]["relay.yaml"])
    actions = config["processors"]["resource/pod"]["attributes"]
    (service_name,) = [a for a in actions if a["key"] == "service.name"]
    assert service_name["value"] == "${env:K8S_APP_NAME}" and service_name["action"] == "insert"
    for stream in ("stdout", "stderr"):
        types = [op["type"] for op in config["receivers"][f"file_log/{stream}"]["operators"]]
        assert types == ["add", "json_parser", "trace_parser"]


def test_every_aws_lookup_goes_through_the_stacks_regional_provider(evaluated):
    """The default AWS provider knows no region unless the user's environment sets one."""
    ev = evaluated("eks")
    lookups = [(token, ref) for token, ref in ev.invoke_providers if token.startswith("aws:")]
    assert lookups
    for token, ref in lookups:
        assert "pulumi:providers:aws::o11y-kit-eks-aws::" in ref, token


def test_collectors_start_after_their_iam_policy_and_log_groups(evaluated):
    ev = evaluated("eks")
    needed = {
        r.urn
        for r in ev.resources
        if r.type in ("aws:iam/rolePolicy:RolePolicy", "aws:cloudwatch/logGroup:LogGroup")
        and "-ws-" in r.urn
    }
    assert len(needed) == 4  # the collectors' write policy and their three log groups
    collectors = [
        r
        for kind in ("DaemonSet", "Deployment")
        for r in ev.of_type(f"kubernetes:apps/v1:{kind}")
        if r.inputs["metadata"]["namespace"] in ("o11y-agent", "o11y-node")
    ]
    # node and Container Insights DaemonSets; cluster, Fargate scraper and gateway Deployments
    assert len(collectors) == 5
    for r in collectors:
        assert needed <= set(r.dependencies), r.urn
