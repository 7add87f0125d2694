"""The traced three-tier sample app (front -> middle -> back) and its load generator.

By default the app's source runs from a ConfigMap on the pinned official Python image, with its
hash-locked dependencies installed into an emptyDir by an init container from the in-cluster
wheelhouse (components/sample_app_wheelhouse.py), so nobody has to build or push an image and no
tier reaches the Internet; `sampleAppImage` switches to a prebuilt image (sample-app/Dockerfile).
Every pod meets the Pod Security `restricted` level its namespace enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

import agent
from agent.labels import FARGATE_LABEL
from components import k8s_objects, options, sample_app_wheelhouse, versions
from components import sample_app_pods as pod_parts
from components.collector_agent import node_otlp_http_url
from components.names import (
    APP_NAMESPACE,
    APP_PORT,
    APP_TIERS,
    FRONT_SERVICE,
    LOAD_GENERATOR,
    WHEELHOUSE,
    app_workload,
)
from components.network_policies import OTLP_GRPC, OTLP_HTTP, node_agent_peers
from components.network_policy_blocks import (
    NAME,
    baseline,
    block,
    egress,
    for_pods,
    ingress,
    named,
    policy,
)
from components.platforms.base_cluster import FargatePod, KitCluster
from components.settings import KitConfig
from policy.kit_rules import cidrs as cidrs_rule

SOURCE_DIR = Path(__file__).resolve().parent.parent / "sample-app"
# What runs in the cluster (not the benchmark, the Dockerfile or the lock's input).
SOURCE_FILES = (
    "app.py",
    "faults.py",
    "logging_json.py",
    "settings.py",
    "telemetry.py",
    "loadgen.py",
    "requirements.txt",
    "wait_for_wheelhouse.py",
)
SOURCE_CONFIG_MAP = "sample-app-source"
PIP_INSTALL = [
    "python", "-m", "pip", "install", "--require-hashes", "--only-binary=:all:",
    "--no-cache-dir", "--disable-pip-version-check", "--no-warn-script-location",
    "--target", "/deps", "-r", "/app/requirements.txt",
]  # fmt: skip
INSTALL_DEPS = sample_app_wheelhouse.install_command(PIP_INSTALL)
APP_COMMAND = ["python", "/app/app.py"]
# Requests == limits: Fargate requires guaranteed QoS; on VM nodes it keeps the demo's numbers
# predictable. A pod reserves the larger of its init container and its app, so both get the same.
# Measured footprint: docs/sizing.md.
APP_RESOURCES = {"cpu": "100m", "memory": "128Mi"}
INIT_RESOURCES = {"cpu": "100m", "memory": "128Mi"}


@dataclass(frozen=True)
class SampleAppArgs:
    """Where the app runs, where it sends telemetry and who may reach it."""

    namespace: str
    python_image: str
    # Node agent's OTLP/HTTP base URL (a Service with internalTrafficPolicy: Local).
    node_otlp_endpoint: str
    agent_namespace: str
    image: str | None = None  # a prebuilt image instead of source-from-ConfigMap
    fargate_tiers: tuple[str, ...] = ()
    # How a tier in `fargate_tiers` gets its collector sidecar (KitCluster.fargate_pod).
    fargate_pod: FargatePod | None = None
    frontend_allowed_cidrs: tuple[str, ...] = ()  # empty: the front end stays ClusterIP
    # The stack accepts ranges that span much of the Internet; the Service says so, for the
    # policy pack (policy/kit_rules/cidrs.py).
    frontend_open_to_internet: bool = False
    # Where the front end's outside traffic comes from as its pods see it: None when the load
    # balancer keeps the client's address (then `frontend_allowed_cidrs`); eks's Classic ELB
    # proxies from its own addresses in the public subnets (KitCluster.load_balancer_cidrs).
    load_balancer_cidrs: tuple[str, ...] | None = None
    node_namespace: str = ""  # the node agent's
    host_network_cidrs: tuple[str, ...] = ()  # where a host-network node agent listens (eks)
    load_rps: int = 2


class SampleApp(pulumi.ComponentResource):
    """ConfigMap with the source, a Deployment and ClusterIP Service per tier (the front end
    a LoadBalancer restricted to `frontend_allowed_cidrs` when given), and the load generator."""

    def __init__(self, name: str, args: SampleAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:app:SampleApp", name, None, opts)
        child = options.children(self, opts)
        self.objects = {
            k8s_objects.resource_name(obj): k8s_objects.create(obj, child)
            for obj in sample_app_objects(args)
        }
        self.front_service = self.objects[f"service-{args.namespace}-front"]
        self.front_url = self._front_url(args)
        # The load balancer's address alone (seed-kit users look for `front_service_ip`);
        # None when the front end is private.
        self.front_address: pulumi.Output[str] | None = None
        if args.frontend_allowed_cidrs:
            self.front_address = self.front_service.status.apply(_load_balancer_address)
        self.register_outputs({"front_url": self.front_url, "front_address": self.front_address})

    def _front_url(self, args: SampleAppArgs) -> pulumi.Output[str]:
        """The public URL behind a LoadBalancer, or how to port-forward to the private one."""
        if not args.frontend_allowed_cidrs:
            return pulumi.Output.from_input(
                f"kubectl -n {args.namespace} port-forward svc/{FRONT_SERVICE} 8080:{APP_PORT}, "
                "then open http://localhost:8080/"
            )
        return self.front_service.status.apply(_load_balancer_url)


def sample_app_objects(args: SampleAppArgs) -> list[dict[str, Any]]:
    """Every object of the app as plain Kubernetes dicts (pure, so tests need no mocks)."""
    objects: list[dict[str, Any]] = []
    if args.image is None:
        objects.append(source_config_map(args.namespace))
        objects += sample_app_wheelhouse.wheelhouse_objects(
            args.namespace, args.python_image, SOURCE_CONFIG_MAP, _tiers_selector()
        )
    for tier in APP_TIERS:
        objects.append(tier_deployment(args, tier))
        objects.append(tier_service(args, tier))
    objects.append(load_generator(args))
    objects += network_policies(args)
    return objects


def network_policies(args: SampleAppArgs) -> list[dict[str, Any]]:
    """Each tier reachable only from its caller (front: the load generator and load balancer),
    out only to the next tier, its collector and the wheelhouse. Fargate pods enforce none of
    this (EKS user guide, "Limit Pod traffic with Kubernetes network policies")."""
    ns = args.namespace
    tier = {t: named(app_workload(t)) for t in (*APP_TIERS, "loadgen")}
    callers = {"middle": "front", "back": "middle"}
    front_from = [ingress([tier["loadgen"]], APP_PORT)]
    if args.frontend_allowed_cidrs:
        sources = args.load_balancer_cidrs
        if sources is None:
            sources = args.frontend_allowed_cidrs
        front_from.append(ingress([block(c) for c in sources], APP_PORT))
    policies = [
        *baseline(ns),
        for_pods(
            "front",
            ns,
            tier["front"],
            ingress=front_from,
            egress=[egress([tier["middle"]], APP_PORT)],
        ),
        for_pods(
            "loadgen", ns, tier["loadgen"], ingress=[], egress=[egress([tier["front"]], APP_PORT)]
        ),
    ]
    policies += [
        for_pods(
            callee,
            ns,
            tier[callee],
            ingress=[ingress([tier[caller]], APP_PORT)],
            egress=[egress([tier["back"]], APP_PORT)] if callee == "middle" else [],
        )
        for callee, caller in callers.items()
    ]
    node_agent = node_agent_peers(args.node_namespace, args.host_network_cidrs)
    telemetry = [egress(node_agent, OTLP_HTTP)]
    if args.fargate_tiers:
        telemetry.append(egress([named(agent.FARGATE_GATEWAY, args.agent_namespace)], OTLP_GRPC))
    if args.image is None:  # the init container's install
        wheelhouse = named(WHEELHOUSE)
        telemetry.append(egress([wheelhouse], sample_app_wheelhouse.PORT))
    policies.append(policy("tiers-egress", ns, _tiers_selector(), egress_rules=telemetry))
    return policies


def _tiers_selector() -> dict[str, Any]:
    tiers = [app_workload(t) for t in APP_TIERS]
    return {"matchExpressions": [{"key": NAME, "operator": "In", "values": tiers}]}


def source_config_map(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": pod_parts.meta(SOURCE_CONFIG_MAP, namespace, "sample-app"),
        "data": {name: (SOURCE_DIR / name).read_text() for name in SOURCE_FILES},
    }


def tier_deployment(args: SampleAppArgs, tier: str) -> dict[str, Any]:
    on_fargate = tier in args.fargate_tiers
    labels = {**pod_parts.labels(app_workload(tier)), **(FARGATE_LABEL if on_fargate else {})}
    pod = _pod_spec(args, [_app_container(args, tier, on_fargate)], with_deps=args.image is None)
    annotations = {}
    if on_fargate:
        if args.fargate_pod is None:
            raise ValueError(f"tier {tier} is to run on Fargate, but the cluster has no Fargate")
        pod, annotations = args.fargate_pod(pod, "app", args.agent_namespace)
    return pod_parts.deployment(app_workload(tier), args.namespace, labels, pod, annotations)


def tier_service(args: SampleAppArgs, tier: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"app.kubernetes.io/name": app_workload(tier)},
        "ports": [{"name": "http", "port": APP_PORT, "targetPort": "http"}],
        "type": "ClusterIP",
    }
    if tier == "front" and args.frontend_allowed_cidrs:
        spec["type"] = "LoadBalancer"
        spec["ports"] = [{"name": "http", "port": 80, "targetPort": "http"}]
        spec["loadBalancerSourceRanges"] = list(args.frontend_allowed_cidrs)
        spec["externalTrafficPolicy"] = "Local"  # keep client IPs for the source ranges
    meta = pod_parts.meta(tier, args.namespace, app_workload(tier))
    if spec["type"] == "LoadBalancer" and args.frontend_open_to_internet:
        meta["annotations"] = {cidrs_rule.OPEN_TO_INTERNET_ANNOTATION: "true"}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def load_generator(args: SampleAppArgs) -> dict[str, Any]:
    container = {
        "name": "loadgen",
        "image": args.image or args.python_image,
        "command": ["python", "/app/loadgen.py"],
        "env": pod_parts.env(
            LOAD_TARGET_URL=f"http://{FRONT_SERVICE}:{APP_PORT}/",
            LOAD_RPS=str(args.load_rps),
            LOAD_REPORT_EVERY_S="10",
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONUNBUFFERED="1",
        ),
        "resources": {"requests": {"cpu": "20m", "memory": "48Mi"}, "limits": {"memory": "96Mi"}},
        "securityContext": pod_parts.container_security(),
        "volumeMounts": _mounts(args.image is None, deps=False),
    }
    pod = _pod_spec(args, [container], with_deps=False)
    deployment = pod_parts.deployment(
        LOAD_GENERATOR, args.namespace, pod_parts.labels(LOAD_GENERATOR), pod, {}
    )
    deployment["spec"]["replicas"] = 1 if args.load_rps > 0 else 0
    return deployment


def _app_container(args: SampleAppArgs, tier: str, on_fargate: bool) -> dict[str, Any]:
    downstream = {"front": "middle", "middle": "back"}.get(tier)
    env = pod_parts.env(
        TIER=tier,
        PORT=str(APP_PORT),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        HOME="/tmp",
        OTEL_SERVICE_NAME=app_workload(tier),
        OTEL_EXPORTER_OTLP_ENDPOINT=args.node_otlp_endpoint,  # the sidecar replaces it
        OTEL_METRIC_EXPORT_INTERVAL="15000",
    )
    if downstream:
        env += pod_parts.env(DOWNSTREAM_URL=f"http://{downstream}:{APP_PORT}/")
    if args.image is None:
        env += pod_parts.env(PYTHONPATH="/deps")
    env += [
        _field_env("POD_NAME", "metadata.name"),
        _field_env("POD_NAMESPACE", "metadata.namespace"),
        _field_env("NODE_NAME", "spec.nodeName"),
        {
            "name": "OTEL_RESOURCE_ATTRIBUTES",
            "value": "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),"
            f"k8s.node.name=$(NODE_NAME),app.tier={tier},"
            f"compute.type={'fargate' if on_fargate else 'node'}",
        },
    ]
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}
    return {
        "name": "app",
        "image": args.image or args.python_image,
        "command": APP_COMMAND,
        "env": env,
        "ports": [{"name": "http", "containerPort": APP_PORT}],
        "livenessProbe": probe,
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5},
        "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
        "resources": {"requests": dict(APP_RESOURCES), "limits": dict(APP_RESOURCES)},
        "securityContext": pod_parts.container_security(),
        "volumeMounts": _mounts(args.image is None, deps=args.image is None),
    }


def _pod_spec(args: SampleAppArgs, containers: list, with_deps: bool) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    if args.image is None:
        volumes.append(
            {"name": "source", "configMap": {"name": SOURCE_CONFIG_MAP, "defaultMode": 0o444}}
        )
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 35,  # 5 s preStop + 15 s draining + 10 s flush
        "securityContext": pod_parts.pod_security(),
        "containers": containers,
        "volumes": volumes,
    }
    if with_deps:
        volumes.append({"name": "deps", "emptyDir": {"sizeLimit": "200Mi"}})
        spec["initContainers"] = [
            {
                "name": "install-deps",
                "image": args.python_image,
                "command": INSTALL_DEPS,
                "env": pod_parts.env(HOME="/tmp"),
                "resources": {"requests": dict(INIT_RESOURCES), "limits": dict(INIT_RESOURCES)},
                "securityContext": pod_parts.container_security(),
                "volumeMounts": [
                    {"name": "source", "mountPath": "/app", "readOnly": True},
                    {"name": "tmp", "mountPath": "/tmp"},
                    {"name": "deps", "mountPath": "/deps"},
                ],
            }
        ]
    return spec


def _mounts(source: bool, deps: bool) -> list[dict[str, Any]]:
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    if source:
        mounts.append({"name": "source", "mountPath": "/app", "readOnly": True})
    if deps:
        mounts.append({"name": "deps", "mountPath": "/deps", "readOnly": True})
    return mounts


def _load_balancer_url(status: Any) -> str:
    """http://<ip or hostname>/ from a Service status (AKS gives an IP, EKS a hostname)."""
    address = _load_balancer_address(status)
    return f"http://{address}/" if address else NO_ADDRESS_YET


NO_ADDRESS_YET = (
    f"the load balancer has no address yet: kubectl -n {APP_NAMESPACE} get svc {FRONT_SERVICE}"
)


def _load_balancer_address(status: Any) -> str:
    ingress = (status.load_balancer.ingress or []) if status and status.load_balancer else []
    return (ingress[0].ip or ingress[0].hostname) if ingress else ""


def _field_env(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def build(
    config: KitConfig,
    namespace: str,
    agent_namespaces: tuple[str, str],
    opts: pulumi.ResourceOptions,
    cluster: KitCluster,
) -> SampleApp | None:
    """The stack's app; pass depends_on=[the agent] in `opts`: Fargate tiers mount the sidecar's
    ConfigMap, which the agent creates. `agent_namespaces` is (cluster agent, node agent);
    `cluster` says where host-network and load-balanced traffic comes from (NetworkPolicies)."""
    agent_namespace, node_namespace = agent_namespaces
    if not config.app.enabled:
        return None
    return SampleApp(
        "sample-app",
        SampleAppArgs(
            namespace=namespace,
            python_image=versions.SAMPLE_APP_PYTHON_IMAGE,
            node_otlp_endpoint=node_otlp_http_url(node_namespace),
            agent_namespace=agent_namespace,
            image=config.app.image,
            fargate_tiers=config.cluster.fargate_tiers,
            fargate_pod=cluster.fargate_pod,
            frontend_allowed_cidrs=config.app.frontend_allowed_cidrs,
            frontend_open_to_internet=config.app.frontend_open_to_internet,
            load_balancer_cidrs=cluster.load_balancer_cidrs,
            node_namespace=node_namespace,
            host_network_cidrs=cluster.host_network_cidrs,
            load_rps=config.app.load_rps,
        ),
        opts=opts,
    )
