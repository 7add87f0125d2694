"""The aks stack's outside view: Log Analytics, Container Insights, control-plane logs,
Application Insights (its connection string reaching only the agent, as a secret) and the
node-health metric alert."""

from __future__ import annotations

import json

import yaml

from components.platforms.aks.cluster import CONTROL_PLANE_LOGS
from kit.plan import offline
from kit.plan.offline import Secret
from tests.helpers import AKS, SecretOutputsMonitor, one

WORKSPACE = "azure-native:operationalinsights:Workspace"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
DCR = "azure-native:monitor:DataCollectionRule"
DCRA = "azure-native:monitor:DataCollectionRuleAssociation"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"


def test_log_analytics_is_pay_per_gb_with_configured_retention_and_cap(evaluate):
    ev = evaluate("aks", logRetentionDays=60, logDailyCapGb=2)
    ws = one(ev, WORKSPACE).inputs
    assert ws["sku"] == {"name": "PerGB2018"}
    assert ws["retentionInDays"] == 60
    assert ws["workspaceCapping"] == {"dailyQuotaGb": 2}


def test_no_daily_cap_unless_asked(evaluated):
    assert "workspaceCapping" not in one(evaluated("aks"), WORKSPACE).inputs


def test_container_insights_addon_uses_managed_identity_and_the_workspace(evaluated):
    ev = evaluated("aks")
    workspace_id = one(ev, WORKSPACE).outputs["id"]
    addon = one(ev, AKS).inputs["addonProfiles"]["omsagent"]
    assert addon["enabled"] is True
    assert addon["config"] == {
        "logAnalyticsWorkspaceResourceID": workspace_id,
        "useAADAuth": "true",
    }
    rule = one(ev, DCR)
    assert rule.inputs["destinations"]["logAnalytics"][0]["workspaceResourceId"] == workspace_id
    (extension,) = rule.inputs["dataSources"]["extensions"]
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["extensionSettings"]["dataCollectionSettings"]["enableContainerLogV2"]
    association = one(ev, DCRA).inputs
    assert association["dataCollectionRuleId"] == rule.outputs["id"]
    assert association["resourceUri"] == one(ev, AKS).outputs["id"]


def test_control_plane_logs_go_to_the_workspace(evaluated):
    ev = evaluated("aks")
    setting = one(ev, DIAGNOSTICS).inputs
    assert setting["workspaceId"] == one(ev, WORKSPACE).outputs["id"]
    assert setting["resourceUri"] == one(ev, AKS).outputs["id"]
    assert [log["category"] for log in setting["logs"]] == list(CONTROL_PLANE_LOGS)
    assert set(CONTROL_PLANE_LOGS) == {
        "kube-apiserver",
        "kube-audit-admin",
        "kube-controller-manager",
        "kube-scheduler",
        "cluster-autoscaler",
        "guard",
    }


def test_app_insights_is_workspace_based(evaluated):
    ev = evaluated("aks")
    component = one(ev, APP_INSIGHTS).inputs
    assert component["workspaceResourceId"] == one(ev, WORKSPACE).outputs["id"]
    assert component["ingestionMode"] == "LogAnalytics"


def test_connection_string_reaches_only_the_agent_and_only_as_a_secret(evaluated):
    ev = evaluated("aks")
    connection = one(ev, APP_INSIGHTS).outputs["connectionString"]
    holders = [r for r in ev.resources if connection in json.dumps(r.inputs, default=_reveal)]
    assert [(r.type, r.inputs["metadata"]["namespace"]) for r in holders] == [
        ("kubernetes:core/v1:Secret", "o11y-node")  # only the node agent exports to it
    ]
    assert isinstance(holders[0].inputs["stringData"], Secret)
    assert connection not in json.dumps(ev.outputs, default=repr)
    agent_env = [
        env
        for r in ev.of_type("kubernetes:apps/v1:Deployment")
        + ev.of_type("kubernetes:apps/v1:DaemonSet")
        for c in r.inputs["spec"]["template"]["spec"]["containers"]
        for env in c.get("env", [])
        if env["name"] == "APPLICATIONINSIGHTS_CONNECTION_STRING"
    ]
    assert agent_env and all(
        e["valueFrom"]["secretKeyRef"]["name"] == holders[0].inputs["metadata"]["name"]
        for e in agent_env
    )


def test_agent_sends_traces_to_app_insights_on_aks(evaluated):
    configs = [
        yaml.safe_load(next(iter(r.inputs["data"].values())))
        for r in evaluated("aks").of_type("kubernetes:core/v1:ConfigMap")
        if r.inputs["metadata"]["namespace"] in ("o11y-agent", "o11y-node")
    ]
    traces = [c["service"]["pipelines"].get("traces", {}) for c in configs]
    assert any(e.startswith("azuremonitor") for t in traces for e in t.get("exporters", []))


def test_node_not_ready_alert_checks_ready_false_or_unknown_every_minute_over_5(evaluate):
    ev = evaluate("aks", alertEmails='["ops@example.com", "dev@example.com"]')
    alert = one(ev, METRIC_ALERT).inputs
    assert alert["scopes"] == [one(ev, AKS).outputs["id"]]
    assert (alert["evaluationFrequency"], alert["windowSize"]) == ("PT1M", "PT5M")
    (criterion,) = alert["criteria"]["allOf"]
    assert alert["criteria"]["odataType"] == (
        "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    )
    assert criterion["metricName"] == "kube_node_status_condition"
    assert criterion["metricNamespace"] == "Microsoft.ContainerService/managedClusters"
    dims = {d["name"]: d["values"] for d in criterion["dimensions"]}
    assert dims["condition"] == ["Ready"]
    assert dims["status"] == ["false", "unknown"]
    assert "status2" not in dims  # deprecated, Azure/AKS#1997
    assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)
    group = one(ev, ACTION_GROUP)
    assert alert["actions"] == [{"actionGroupId": group.outputs["id"]}]
    emails = [r["emailAddress"] for r in group.inputs["emailReceivers"]]
    assert emails == ["ops@example.com", "dev@example.com"]
    assert len(group.inputs["groupShortName"]) <= 12


def _reveal(value):
    return value.value if isinstance(value, Secret) else repr(value)


def test_app_insights_keys_are_encrypted_in_the_state():
    monitor = SecretOutputsMonitor()
    offline.evaluate("aks", monitor=monitor)
    encrypted = monitor.secret_outputs["azure-native:applicationinsights:Component"]
    assert {"connectionString", "instrumentationKey"} <= set(encrypted)
