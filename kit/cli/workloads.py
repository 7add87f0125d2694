"""Every Deployment, DaemonSet and StatefulSet a deployed stack runs, named from the code that
makes it, so `kit status` and `kit verify` can name what is missing instead of judging only the
pods that happen to exist.

Three makers, each with the hint a user needs when its workload is missing:
- the kit's program: the agent's collectors (agent/) and the sample app, by the names agent/
  and components/names.py give them;
- the Helm releases (components/monitoring.py): kube-prometheus-stack names its own objects after
  fullnameOverride (the release name) and its subcharts theirs `<release>-<chart>`; Loki and
  Tempo (single binary) name their StatefulSet after the release;
- the prometheus-operator, which turns each Prometheus and Alertmanager object into a
  StatefulSet `prometheus-<name>` / `alertmanager-<name>` in the object's namespace
  (prometheus-operator pkg/prometheus/statefulset.go and pkg/alertmanager/statefulset.go,
  prefixedName; one shard, as the chart's default `shards: 1` asks). The chart names those
  objects `<fullname>-prometheus` and `<fullname>-alertmanager` (templates/_helpers.tpl,
  `prometheus.crname` and `alertmanager.crname`).

tests/kit/plan/test_rendered_charts.py holds this list to what the plan and `helm template` of the
pinned charts create, for every stack, so a renamed release or a new workload cannot leave it
behind. Imports stay light (no Pulumi): the cluster commands load this at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.cluster_agent import CLUSTER_AGENT
from agent.node_agent import NODE_AGENT
from components.names import (
    AGENT_NAMESPACE,
    APP_DEPLOYMENTS,
    APP_NAMESPACE,
    KPS_RELEASE,
    LOKI_RELEASE,
    MONITORING_NAMESPACE,
    NODE_NAMESPACE,
    TEMPO_RELEASE,
    WHEELHOUSE,
)
from components.platforms import facts
from components.platforms.eks.fargate_collectors import FARGATE_GATEWAY, FARGATE_SCRAPER
from components.settings import PROJECT, declared_value
from kit import stackfile

KINDS = ("Deployment", "DaemonSet", "StatefulSet")
OPERATOR = f"{KPS_RELEASE}-operator"
# The Prometheus and Alertmanager objects kube-prometheus-stack renders (its crname helpers).
PROMETHEUS_OBJECT = f"{KPS_RELEASE}-prometheus"
ALERTMANAGER_OBJECT = f"{KPS_RELEASE}-alertmanager"
OPERATOR_MADE = {"Prometheus": "prometheus", "Alertmanager": "alertmanager"}  # kind -> prefix


@dataclass(frozen=True)
class Workload:
    kind: str
    namespace: str
    name: str
    hint: str  # who makes it and where to look when it is missing

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class StackShape:
    """What decides which of the kit's own workloads a stack has."""

    cloud: str
    sample_app: bool = True
    fargate: bool = False  # eks with Fargate tiers: the scraper and gateway collectors
    prebuilt_app: bool = False  # sampleAppImage: no wheelhouse to install the app's wheels from


def expected(shape: StackShape) -> list[Workload]:
    return [*_program(shape), *_charts(), *_operator()]


def shape_of(stack: str) -> StackShape:
    """The stack file's answer (the config `make up` deployed with); ValueError or OSError
    says why it cannot be read."""
    config = stackfile.read(stack).config

    def value(key: str):
        return declared_value(key, config.get(f"{PROJECT}:{key}"))

    cloud = value("cloud")
    # fargateTiers is refused on a cloud without Fargate, so a value means pods on Fargate.
    fargate, prebuilt = bool(value("fargateTiers")), bool(value("sampleAppImage"))
    return StackShape(cloud, value("sampleApp"), fargate, prebuilt)


def operator_statefulset(kind: str, name: str) -> str:
    """The StatefulSet the operator makes of a Prometheus or Alertmanager object."""
    return f"{OPERATOR_MADE[kind]}-{name}"


def _program(shape: StackShape) -> list[Workload]:
    hint = "make up has not created it (or it was deleted): run make up again and read its output"
    made = [
        Workload("DaemonSet", NODE_NAMESPACE, NODE_AGENT, hint),
        Workload("Deployment", AGENT_NAMESPACE, CLUSTER_AGENT, hint),
        *(
            Workload("DaemonSet", NODE_NAMESPACE, n, hint)
            for n in facts(shape.cloud).node_daemonsets
        ),
    ]
    if shape.fargate:
        collectors = (FARGATE_SCRAPER, FARGATE_GATEWAY)
        made += [Workload("Deployment", AGENT_NAMESPACE, n, hint) for n in collectors]
    if shape.sample_app:
        made += [Workload("Deployment", APP_NAMESPACE, n, hint) for n in APP_DEPLOYMENTS]
        if not shape.prebuilt_app:
            made.append(Workload("Deployment", APP_NAMESPACE, WHEELHOUSE, hint))
    return made


def _charts() -> list[Workload]:
    def release(name: str) -> str:
        return (
            f"the Helm release {name} has not created it: read make up's output for the release "
            f"and kubectl -n {MONITORING_NAMESPACE} get events"
        )

    kps = release(KPS_RELEASE)
    return [
        Workload("Deployment", MONITORING_NAMESPACE, OPERATOR, kps),
        Workload("Deployment", MONITORING_NAMESPACE, f"{KPS_RELEASE}-grafana", kps),
        Workload("Deployment", MONITORING_NAMESPACE, f"{KPS_RELEASE}-kube-state-metrics", kps),
        # components/chart_security.py puts node-exporter (host network and PID) apart.
        Workload("DaemonSet", NODE_NAMESPACE, f"{KPS_RELEASE}-prometheus-node-exporter", kps),
        Workload("StatefulSet", MONITORING_NAMESPACE, LOKI_RELEASE, release(LOKI_RELEASE)),
        Workload("StatefulSet", MONITORING_NAMESPACE, TEMPO_RELEASE, release(TEMPO_RELEASE)),
    ]


def _operator() -> list[Workload]:
    hint = (
        "prometheus-operator has not created it: check its logs "
        f"(kubectl -n {MONITORING_NAMESPACE} logs deploy/{OPERATOR})"
    )
    return [
        Workload("StatefulSet", MONITORING_NAMESPACE, operator_statefulset(kind, name), hint)
        for kind, name in (("Prometheus", PROMETHEUS_OBJECT), ("Alertmanager", ALERTMANAGER_OBJECT))
    ]
