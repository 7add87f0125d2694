"""`kit verify`: does every signal arrive where the walkthrough says it does? Every workload of
the stack present and ready (kit/cli/workloads.py), metrics of every node and the kit's rules in
Prometheus, a three-tier trace in Tempo, each tier's logs with trace ids in Loki, and on eks the
same trace in X-Ray and its logs in CloudWatch."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import time
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from agent.node_agent import NODE_AGENT
from components import alert_rules
from components.names import AGENT_NAMESPACE, APP_NAMESPACE, APP_TIERS, NODE_NAMESPACE
from components.platforms import facts as platform_facts
from kit.cli import (
    checks_aws,
    checks_loki,
    checks_prometheus,
    checks_tempo,
    checks_workloads,
    services,
)
from kit.cli.checks import INFO, UNREACHABLE, Check, exit_code, render
from kit.cli.errors import KitError
from kit.cli.kube import CLOUDS, Kube, cloud_of, connect, is_fargate
from kit.cli.portforward import forward_service

REGION_LABEL = "topology.kubernetes.io/region"


@dataclass(frozen=True)
class ClusterFacts:
    """What the checks compare the backends with."""

    cloud: str  # local | aks | eks
    nodes: list[str]
    vm_nodes: list[str]  # nodes where the node agent runs (not EKS Fargate)
    agent_deployed: bool
    region: str | None = None
    cluster_name: str | None = None

    def expected_rule_groups(self) -> list[str]:
        agent_namespace = AGENT_NAMESPACE if self.agent_deployed else None
        return [g["name"] for g in alert_rules.rule_groups(APP_NAMESPACE, agent_namespace)]


@dataclass(frozen=True)
class BackendUrls:
    prometheus: str
    tempo: str
    loki: str


def gather(kube: Kube, stack: str | None = None, cluster_name: str | None = None) -> ClusterFacts:
    nodes = kube.nodes()
    try:
        kube.apps.read_namespaced_daemon_set(NODE_AGENT, NODE_NAMESPACE, _request_timeout=10)
        agent = True
    except ApiException as err:
        if err.status != 404:
            raise
        agent = False
    regions = {(n.metadata.labels or {}).get(REGION_LABEL) for n in nodes} - {None}
    return ClusterFacts(
        cloud=kube.outputs.get("cloud") or (stack if stack in CLOUDS else cloud_of(nodes)),
        nodes=sorted(n.metadata.name for n in nodes),
        vm_nodes=sorted(n.metadata.name for n in nodes if not is_fargate(n)),
        agent_deployed=agent,
        region=next(iter(sorted(regions)), None),
        cluster_name=cluster_name or kube.outputs.get("cluster"),
    )


def run_checks(facts: ClusterFacts, urls: BackendUrls, now: float, aws_session=None) -> list[Check]:
    tempo_traces: list[str] = []
    checks = [
        checks_prometheus.kubelet_metrics(urls.prometheus, facts.vm_nodes),
        checks_prometheus.node_conditions(urls.prometheus, facts.nodes),
        checks_prometheus.rule_groups_loaded(urls.prometheus, facts.expected_rule_groups()),
        checks_tempo.front_to_back_trace(urls.tempo, now, tempo_traces),
        *(checks_loki.tier_logs(urls.loki, tier, now) for tier in APP_TIERS),
    ]
    if facts.cloud in CLOUD_CHECKS:
        trace = next(iter(tempo_traces), None)
        checks += CLOUD_CHECKS[facts.cloud](facts, now, aws_session, tempo_trace=trace)
    hint = platform_facts(facts.cloud).console_hint if facts.cloud else None
    if hint:
        checks.append(Check("cloud console", INFO, hint))
    return checks


def _aws_checks(facts: ClusterFacts, now: float, session, tempo_trace: str | None) -> list[Check]:
    when = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    if session is None:
        import boto3

        session = boto3.Session(region_name=facts.region)
    found: list[str] = []
    xray = checks_aws.xray_trace(session, when, found)
    if not facts.cluster_name:
        missing = Check(
            "cloudwatch logs: log lines of that trace",
            UNREACHABLE,
            "cluster name unknown: pass --stack eks (with the Pulumi CLI) or --cluster-name",
        )
        return [xray, missing]
    trace = found[0] if found else tempo_trace
    return [xray, checks_aws.cloudwatch_logs(session, facts.cluster_name, trace, when)]


# The checks a cloud adds, reading its own backends from outside the cluster.
CLOUD_CHECKS = {"eks": _aws_checks}


def run(args: argparse.Namespace) -> int:
    kube = connect(args)
    facts = gather(kube, args.stack, args.cluster_name)
    expected = checks_workloads.for_stack(args.stack or facts.cloud)
    workloads = checks_workloads.checks(kube, expected)
    try:
        checks = workloads + _backend_checks(args, kube, facts)
    except KitError:
        print(render(workloads))  # a missing workload is often why a backend cannot be reached
        raise
    print(render(checks))
    code = exit_code(checks)
    unreachable = [c for c in checks if c.status == UNREACHABLE]
    if unreachable:
        print(f"verify: {unreachable[0].detail}", file=sys.stderr)
    return code


def _backend_checks(args: argparse.Namespace, kube: Kube, facts: ClusterFacts) -> list[Check]:
    with contextlib.ExitStack() as stack:

        def url(name: str, service: services.Service) -> str:
            given = getattr(args, f"{name}_url")
            if given:
                return given
            forward = forward_service(kube, service.namespace, service.name, service.port)
            return stack.enter_context(forward).url

        urls = BackendUrls(
            prometheus=url("prometheus", services.PROMETHEUS),
            tempo=url("tempo", services.TEMPO),
            loki=url("loki", services.LOKI),
        )
        return run_checks(facts, urls, time.time())
