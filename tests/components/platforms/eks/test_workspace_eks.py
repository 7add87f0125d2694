"""The eks stack's CloudWatch workspace: log groups the stack owns, and the collectors' IRSA role
(trusted by exactly the two collector service accounts, allowed to write exactly there)."""

from __future__ import annotations

import json

import agent
from components.platforms.eks.agent_patch import cloud_patch
from components.platforms.eks.container_insights_agent import CONTAINER_INSIGHTS_AGENT
from components.platforms.eks.exporters import AwsBackends
from components.platforms.eks.offline_outputs import ACCOUNT_ID
from tests.components.platforms.eks.eks_evaluation import OIDC, outside_view, resolve
from tests.helpers import EKS, LOG_GROUP, one

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
TRACE_DESTINATION = "aws:xray/traceSegmentDestination:TraceSegmentDestination"
AGENT_NS = "o11y-agent"
NODE_NS = "o11y-node"
APP_NS = "o11y-app"


def _collector_role(ev):
    (role,) = [r for r in ev.of_type(ROLE) if r.name.endswith("-ws-collector")]
    return role


def _policy(ev):
    return json.loads(one(ev, ROLE_POLICY).inputs["policy"])


def _stack_log_groups(ev):
    return {
        g.inputs["name"]: g
        for g in ev.of_type(LOG_GROUP)
        if not g.inputs["name"].startswith("/aws/eks/")
    }


def test_log_groups_are_created_by_the_stack_with_the_configured_retention():
    ev, (_, workspace, _) = outside_view(logRetentionDays=60)
    groups = _stack_log_groups(ev)
    backends = workspace.agent_backends
    assert set(groups) == {
        "/aws/containerinsights/o11y-kit-eks/performance",
        "/aws/containerinsights/o11y-kit-eks/application",
        "/aws/o11y-kit/o11y-kit-eks/events",
    }
    assert {
        backends.performance_log_group,
        backends.application_log_group,
        backends.events_log_group,
    } == set(groups)
    assert {g.inputs["retentionInDays"] for g in groups.values()} == {60}


def test_irsa_trust_names_the_oidc_provider_and_exactly_the_collector_service_accounts():
    ev, _ = outside_view()
    trust = json.loads(_collector_role(ev).inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": one(ev, OIDC).outputs["arn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    issuer = one(ev, EKS).outputs["identities"][0]["oidcs"][0]["issuer"]
    host_path = issuer.removeprefix("https://")
    assert statement["Condition"] == {
        "StringEquals": {
            f"{host_path}:sub": [
                f"system:serviceaccount:{NODE_NS}:{agent.NODE_AGENT}",
                f"system:serviceaccount:{NODE_NS}:{CONTAINER_INSIGHTS_AGENT}",
                f"system:serviceaccount:{AGENT_NS}:{agent.CLUSTER_AGENT}",
                # the sidecars' gateway (the shipped eks stack has Fargate), not the scraper
                f"system:serviceaccount:{AGENT_NS}:{agent.FARGATE_GATEWAY}",
            ],
            f"{host_path}:aud": "sts.amazonaws.com",
        }
    }
    assert "https://" not in json.dumps(statement["Condition"])


def test_the_role_reaches_the_collector_service_accounts_and_no_app_pod():
    """Render every agent object with the workspace's backends: the role ARN lands on the
    collector ServiceAccounts the trust names, and nowhere in the app namespace (the Fargate
    sidecar forwards to the gateway and has no ServiceAccount of its own)."""
    ev, (_, workspace, _) = outside_view()
    role_arn = _collector_role(ev).outputs["arn"]
    backends = workspace.agent_backends
    assert resolve(backends.irsa_role_arn) == role_arn
    aws = AwsBackends(
        backends.region,
        backends.cluster_name,
        backends.application_log_group,
        backends.events_log_group,
        role_arn,
    )
    in_cluster = agent.Backends("http://p/api/v1/otlp", "t:4317", "http://l/otlp")
    patch = cloud_patch(aws, in_cluster, AGENT_NS, APP_NS, NODE_NS)
    objects = agent.node_agent_manifests(NODE_NS, in_cluster, patch.node)
    objects += agent.cluster_agent_manifests(AGENT_NS, in_cluster, patch.cluster)
    # Container Insights, the Fargate collectors and the sidecar's ConfigMap
    objects += patch.manifests
    annotated = {
        (o["metadata"]["namespace"], o["kind"], o["metadata"]["name"])
        for o in objects
        if role_arn in json.dumps(o.get("metadata", {}).get("annotations", {}))
    }
    assert annotated == {
        (NODE_NS, "ServiceAccount", agent.NODE_AGENT),
        (NODE_NS, "ServiceAccount", CONTAINER_INSIGHTS_AGENT),
        (AGENT_NS, "ServiceAccount", agent.CLUSTER_AGENT),
        (AGENT_NS, "ServiceAccount", agent.FARGATE_GATEWAY),  # not the scraper: no cloud writes
    }
    trust = _collector_role(ev).inputs["assumeRolePolicy"]
    assert f":{APP_NS}:" not in trust


def test_collector_policy_is_scoped_to_the_stack_log_groups_with_no_wildcard_action():
    ev, _ = outside_view()
    statements = _policy(ev)["Statement"]
    actions = [a for s in statements for a in s["Action"]]
    assert not any("*" in a for a in actions)
    assert "logs:CreateLogGroup" not in actions  # the stack owns the groups
    (logs,) = [s for s in statements if any(a.startswith("logs:") for a in s["Action"])]
    assert sorted(logs["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    group_arns = [g.outputs["arn"] for g in _stack_log_groups(ev).values()]
    assert sorted(logs["Resource"]) == sorted(f"{arn}:*" for arn in group_arns)
    assert all(":log-group:/aws/" in arn and "/o11y-kit-eks/" in arn for arn in group_arns)
    wildcard = sorted(a for s in statements if s["Resource"] == "*" for a in s["Action"])
    # X-Ray's OTLP endpoint only: no segment or telemetry actions of the awsxray exporter
    assert wildcard == [
        "ec2:DescribeTags",
        "ec2:DescribeVolumes",
        "xray:PutSpans",
        "xray:PutSpansForIndexing",
    ]
    assert one(ev, ROLE_POLICY).inputs["role"] == f"{_collector_role(ev).name}-id"


def test_transaction_search_lets_only_xray_of_this_account_write_aws_spans():
    ev, _ = outside_view()
    policy = one(ev, LOG_RESOURCE_POLICY)
    assert policy.inputs["policyName"] == "o11y-kit-eks-transaction-search"
    (statement,) = json.loads(policy.inputs["policyDocument"])["Statement"]
    assert statement["Principal"] == {"Service": "xray.amazonaws.com"}
    assert statement["Action"] == "logs:PutLogEvents"
    region, account = "ap-northeast-1", ACCOUNT_ID
    assert statement["Resource"] == f"arn:aws:logs:{region}:{account}:log-group:aws/spans:*"
    assert statement["Condition"] == {
        "ArnLike": {"aws:SourceArn": f"arn:aws:xray:{region}:{account}:*"},
        "StringEquals": {"aws:SourceAccount": account},
    }


def test_spans_go_to_cloudwatch_logs_once_the_policy_exists():
    ev, _ = outside_view()
    destination = one(ev, TRACE_DESTINATION)
    assert destination.inputs["destination"] == "CloudWatchLogs"
    assert one(ev, LOG_RESOURCE_POLICY).urn in destination.dependencies


def test_workspace_resources_use_the_clusters_regional_aws_provider():
    ev, (cluster, _, _) = outside_view()
    provider_urn = resolve(cluster.aws_provider.urn)
    resources = [
        *_stack_log_groups(ev).values(),
        _collector_role(ev),
        one(ev, ROLE_POLICY),
        one(ev, LOG_RESOURCE_POLICY),
        one(ev, TRACE_DESTINATION),
    ]
    for resource in resources:
        assert resource.provider.startswith(provider_urn)
    callers = [p for token, p in ev.invoke_providers if token.endswith("getCallerIdentity")]
    assert callers and all(p.startswith(provider_urn) for p in callers), callers


def test_next_steps_link_container_insights_xray_and_query_the_log_groups():
    _, (_, workspace, _) = outside_view()
    steps = workspace.next_steps
    assert steps["container_insights"].startswith(
        "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#"
    )
    assert "xray" in steps["xray_trace_map"]
    assert steps["log_group_application"] == "/aws/containerinsights/o11y-kit-eks/application"
    assert steps["log_group_events"] == "/aws/o11y-kit/o11y-kit-eks/events"
    assert "<trace id>" in steps["logs_query_trace"]
    assert "regarding" in steps["logs_query_events"]  # events.k8s.io/v1 field names
    assert "by resource.service.name" in steps["logs_query_errors_per_tier"]
