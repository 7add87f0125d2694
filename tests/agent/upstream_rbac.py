"""What upstream documents each agent component needs from the Kubernetes API, at the pinned
release (0.159.0), with where it says so: the comparison table for the agents' RBAC
(tests/agent/test_agent_rbac.py offline, tests/agent/test_agent_rbac_live.py on an API server).

Each component type has the README's rules, split by the condition under which the README says
they apply (a predicate on the component's config in the kit and the pipeline signals it is in),
and, where the kit grants less than the README's example, the reason the component never makes
that call with the kit's config, read in its code (`Exemption`; a permission not covered by
the kit, a condition or an exemption is a missing one).

Read on 2026-12-05 from the modules' zips on the Go module proxy (`go mod download -json
<module>@<version>`): k8sattributesprocessor and kubeletstatsreceiver at v0.159.0;
k8sclusterreceiver and k8sobjectsreceiver, whose v0.159.0 the proxy does not serve here
(agent/distribution.py NOT_BUILDABLE), at v0.156.0 and v0.161.0 (k8s_cluster: README RBAC
section and watcher.go's watched kinds identical at both, so at the pin too) and v0.156.0
(k8s_objects: the only served release from v0.156.0 to v0.162.0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agent.preset import Preset
from agent.validate import component_type

Json = dict[str, Any]
# (apiGroup, resource, verb); resource may be "resource/subresource"
Permission = tuple[str, str, str]
READ = ("get", "list", "watch")

CONTRIB = "open-telemetry/opentelemetry-collector-contrib"
CORE = "open-telemetry/opentelemetry-collector"


@dataclass(frozen=True)
class Use:
    """How the kit configures one component: its config and the signals of its pipelines."""

    config: Json
    signals: frozenset[str] = frozenset()


def always(_: Use) -> bool:
    return True


@dataclass(frozen=True)
class Documented:
    """Rules upstream documents, and the README's own condition for them."""

    rules: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (group, resources, verbs)
    when: str  # the README's words
    applies: Callable[[Use], bool] = always

    def permissions(self) -> set[Permission]:
        return {(g, r, v) for g, resources, verbs in self.rules for r in resources for v in verbs}


@dataclass(frozen=True)
class Exemption:
    """Documented permissions the component does not use with the kit's config, and why."""

    group: str
    resources: tuple[str, ...] | None  # None: every resource of the group
    verbs: tuple[str, ...] | None  # None: every verb
    why: str
    holds: Callable[[Use], bool] = always

    def covers(self, permission: Permission) -> bool:
        group, resource, verb = permission
        return (
            group == self.group
            and (self.resources is None or resource in self.resources)
            and (self.verbs is None or verb in self.verbs)
        )


@dataclass(frozen=True)
class Upstream:
    source: str  # file and section, release
    documented: tuple[Documented, ...] = ()
    exemptions: tuple[Exemption, ...] = ()

    def documented_permissions(self) -> set[Permission]:
        return set().union(*(d.permissions() for d in self.documented))

    def needed(self, use: Use) -> set[Permission]:
        """What upstream says this configuration needs, less what the code never calls."""
        wanted = set().union(*(d.permissions() for d in self.documented if d.applies(use)))
        active = [e for e in self.exemptions if e.holds(use)]
        return {p for p in wanted if not any(e.covers(p) for e in active)}

    def exempted(self, use: Use) -> dict[Permission, str]:
        """Permissions the README's applicable rules list but the kit leaves out, with why."""
        wanted = set().union(*(d.permissions() for d in self.documented if d.applies(use)))
        found = {}
        for permission in sorted(wanted):
            for exemption in self.exemptions:
                if exemption.holds(use) and exemption.covers(permission):
                    found[permission] = exemption.why
                    break
        return found


# --- conditions, read on the component's config as the kit renders it -----------------------


def _metadata(use: Use) -> list[str]:
    return use.config.get("extract", {}).get("metadata", [])


def _tags_from(use: Use, kind: str) -> bool:
    extract = use.config.get("extract", {})
    return any(t.get("from") == kind for k in ("labels", "annotations") for t in extract.get(k, []))


def _metric_enabled(use: Use, match: Callable[[str], bool]) -> bool:
    metrics = use.config.get("metrics", {})
    return any(match(name) and (m or {}).get("enabled") for name, m in metrics.items())


def _objects(use: Use) -> list[Json]:
    return use.config.get("objects", [])


def _watches(use: Use, group: str, resource: str) -> bool:
    # "group ... By default, it will select the first group": v1 for events (README)
    return any(o["name"] == resource and o.get("group", "") == group for o in _objects(use))


UNSERVED_GROUPS = {
    "extensions": "the extensions API group is not served since Kubernetes 1.16 (its workload "
    "kinds moved to apps/v1); the live test checks the API server's discovery has no such group",
}

K8S_ATTRIBUTES = Upstream(
    source=f"{CONTRIB} processor/k8sattributesprocessor/README.md @ v0.159.0, "
    "'Role-based access control' > 'Cluster-scoped RBAC' (and its example ClusterRole)",
    documented=(
        Documented(
            (("", ("pods", "namespaces"), READ),),
            "it will need `get`, `watch` and `list` permissions on both `pods` and `namespaces`",
        ),
        Documented(
            (("apps", ("replicasets",), READ),),
            "when using `k8s.deployment.uid`, when using `k8s.deployment.name` with the "
            "deprecated `deployment_name_from_replicaset: false`, or when extracting labels or "
            "annotations with `from: deployment`",
            lambda u: (
                "k8s.deployment.uid" in _metadata(u)
                or (
                    "k8s.deployment.name" in _metadata(u)
                    and u.config.get("deployment_name_from_replicaset") is False
                )
                or _tags_from(u, "deployment")
            ),
        ),
        Documented(
            (("", ("nodes",), READ),),
            "When using `k8s.node.uid` or extracting metadata from `node`",
            lambda u: "k8s.node.uid" in _metadata(u) or _tags_from(u, "node"),
        ),
        Documented(
            (("batch", ("jobs",), READ),),
            "When using `k8s.cronjob.uid`, or when extracting labels or annotations with "
            "`from: job`",
            lambda u: "k8s.cronjob.uid" in _metadata(u) or _tags_from(u, "job"),
        ),
        Documented(
            (("apps", ("deployments", "statefulsets", "daemonsets"), READ),),
            "example ClusterRole; 'an extraction of `k8s.deployment.label.*` attributes, "
            "`deployments` need to be present' (likewise statefulset, daemonset)",
            lambda u: any(_tags_from(u, k) for k in ("deployment", "statefulset", "daemonset")),
        ),
        Documented(
            (("extensions", ("replicasets",), READ),),
            "example ClusterRole",
        ),
    ),
    exemptions=(Exemption("extensions", None, None, UNSERVED_GROUPS["extensions"]),),
)

KUBELET_STATS = Upstream(
    source=f"{CONTRIB} receiver/kubeletstatsreceiver/README.md @ v0.159.0, "
    "'Role-based access control'",
    documented=(
        Documented(
            (("", ("nodes/stats",), ("get",)),),
            "needs `get` permissions on the `nodes/stats` resources",
        ),
        Documented(
            (("", ("nodes/pods",), ("get",)),),
            "when using `extra_metadata_labels` or any of the `{request|limit}_utilization` "
            "metrics",
            lambda u: (
                bool(u.config.get("extra_metadata_labels"))
                or _metric_enabled(
                    u, lambda n: n.endswith(("_request_utilization", "_limit_utilization"))
                )
            ),
        ),
        Documented(
            (("", ("persistentvolumeclaims", "persistentvolumes"), ("get",)),),
            "When using `k8s_api_config` to collect detailed volume metadata",
            lambda u: "k8s_api_config" in u.config,
        ),
    ),
)

_K8S_CLUSTER_WATCHER = (
    "receiver/k8sclusterreceiver watcher.go @ v0.156.0 and v0.161.0 "
    "(prepareSharedInformerFactory, setupInformerForKind)"
)
K8S_CLUSTER = Upstream(
    source=f"{CONTRIB} receiver/k8sclusterreceiver/README.md @ v0.156.0 = v0.161.0, 'RBAC' "
    "(a ClusterRole 'with required permissions'); 'Service Metrics' for endpointslices",
    documented=(
        Documented(
            (
                (
                    "",
                    (
                        "events",
                        "namespaces",
                        "namespaces/status",
                        "nodes",
                        "nodes/spec",
                        "persistentvolumes",
                        "persistentvolumeclaims",
                        "pods",
                        "pods/status",
                        "replicationcontrollers",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "services",
                    ),
                    READ,
                ),
                ("apps", ("daemonsets", "deployments", "replicasets", "statefulsets"), READ),
                ("extensions", ("daemonsets", "deployments", "replicasets"), READ),
                ("batch", ("jobs", "cronjobs"), READ),
                ("autoscaling", ("horizontalpodautoscalers",), READ),
            ),
            "Use the below commands to create a `ClusterRole` with required permissions",
        ),
        Documented(
            (("discovery.k8s.io", ("endpointslices",), READ),),
            "Enabling endpoint metrics requires additional RBAC permissions for "
            "`endpointslices` in the `discovery.k8s.io` API group",
            lambda u: _metric_enabled(u, lambda n: n == "k8s.service.endpoint.count"),
        ),
    ),
    exemptions=(
        Exemption("extensions", None, None, UNSERVED_GROUPS["extensions"]),
        *(
            Exemption(
                group,
                None,
                ("get",),
                f"informers only (list and watch); no Get call in its non-test code: "
                f"{_K8S_CLUSTER_WATCHER}",
            )
            for group in ("", "apps", "batch", "autoscaling", "discovery.k8s.io")
        ),
        Exemption(
            "",
            (
                "events",
                "namespaces/status",
                "nodes/spec",
                "pods/status",
                "replicationcontrollers/status",
            ),
            None,
            f"no informer or call for these in the receiver: {_K8S_CLUSTER_WATCHER}",
        ),
        Exemption(
            "",
            ("persistentvolumes", "persistentvolumeclaims"),
            None,
            "watched only with a persistentvolume(claim) metric enabled, metadata_exporters, or "
            f"in a logs pipeline (shouldWatchPersistentVolume[Claim]): {_K8S_CLUSTER_WATCHER}",
            lambda u: (
                not u.config.get("metadata_exporters")
                and "logs" not in u.signals
                and not _metric_enabled(u, lambda n: n.startswith("k8s.persistentvolume"))
            ),
        ),
    ),
)

K8S_OBJECTS = Upstream(
    source=f"{CONTRIB} receiver/k8sobjectsreceiver/README.md @ v0.156.0, 'RBAC' ('will work "
    "for collecting pods and events only. You need to add appropriate rule for collecting other "
    "objects'; 'When using watch mode you must also specify `list` verb')",
    documented=(
        Documented(
            (("", ("events",), READ),),
            "events (group v1, 'it will select `v1` by default')",
            lambda u: _watches(u, "", "events"),
        ),
        Documented((("", ("pods",), READ),), "pods", lambda u: _watches(u, "", "pods")),
        Documented(
            (("", ("namespaces",), READ),),
            "in the same rule; the receiver lists namespaces only for `exclude_namespaces` "
            "(receiver.go start() @ v0.156.0)",
            lambda u: any(o.get("exclude_namespaces") for o in _objects(u)),
        ),
        Documented(
            (("events.k8s.io", ("events",), ("watch", "list")),),
            "events of group events.k8s.io",
            lambda u: _watches(u, "events.k8s.io", "events"),
        ),
    ),
)


def _no_api(module: str, repo: str = CONTRIB) -> Upstream:
    return Upstream(
        source=f"{repo} {module} @ v0.159.0: no RBAC section in its README, and its go.mod "
        "requires no k8s.io/client-go (no Kubernetes API client)",
    )


# Component type (as the kit's configs spell it) -> what upstream documents.
UPSTREAM: dict[str, Upstream] = {
    "k8s_attributes": K8S_ATTRIBUTES,
    "kubelet_stats": KUBELET_STATS,
    "k8s_cluster": K8S_CLUSTER,
    "k8s_objects": K8S_OBJECTS,
    "otlp": _no_api("receiver/otlpreceiver", CORE),
    "file_log": _no_api("receiver/filelogreceiver"),
    "host_metrics": _no_api("receiver/hostmetricsreceiver"),
    "memory_limiter": _no_api("processor/memorylimiterprocessor", CORE),
    "batch": _no_api("processor/batchprocessor", CORE),
    "resource": _no_api("processor/resourceprocessor"),
    "otlp_http": _no_api("exporter/otlphttpexporter", CORE),
    "otlp_grpc": _no_api("exporter/otlpexporter", CORE),
    "health_check": _no_api("extension/healthcheckextension"),
    "file_storage": _no_api("extension/storage/filestorage"),
}

# Kubelet subresources of nodes: authorised by the kubelet (a SubjectAccessReview per request),
# not served by the API server, so absent from its discovery. kubernetes.io docs, "Kubelet
# authentication/authorization" (/stats -> nodes/stats, /pods -> nodes/pods with
# KubeletFineGrainedAuthz, ...); docs/agent_facts.md §1b.
KUBELET_SUBRESOURCES = frozenset(
    f"nodes/{s}" for s in ("stats", "metrics", "log", "spec", "checkpoint", "pods", "healthz")
)


@dataclass
class Comparison:
    """One preset's declared permissions against upstream's for its components."""

    preset: Preset
    components: list[str]  # ids, as in the config
    needed: set[Permission] = field(default_factory=set)
    exempted: dict[Permission, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # component types not in UPSTREAM

    @property
    def declared(self) -> set[Permission]:
        return permissions_of([*self.preset.cluster_rules, *self.preset.namespace_rules])

    @property
    def missing(self) -> set[Permission]:
        return self.needed - self.declared

    @property
    def extra(self) -> set[Permission]:
        """Declared, but upstream asks for it with none of this configuration's conditions."""
        return self.declared - self.needed


def permissions_of(rules: Iterable[Json]) -> set[Permission]:
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def compare(preset: Preset, config: Json) -> Comparison:
    """`preset`'s rules against what upstream documents for its components, each as `config`
    (the deployed collector config) sets it up."""
    ids = [c for kind in COMPONENT_KINDS for c in getattr(preset, kind)]
    found = Comparison(preset, ids)
    for cid in ids:
        upstream = UPSTREAM.get(component_type(cid))
        if upstream is None:
            found.unknown.append(cid)
            continue
        use = Use(_config_of(config, cid), _signals_of(config, cid))
        found.needed |= upstream.needed(use)
        found.exempted.update(upstream.exempted(use))
    return found


COMPONENT_KINDS = ("receivers", "processors", "exporters", "extensions")


def _config_of(config: Json, cid: str) -> Json:
    for kind in COMPONENT_KINDS:
        if cid in (config.get(kind) or {}):
            return config[kind][cid] or {}
    raise KeyError(f"{cid} is in a preset but not in the deployed config")


def _signals_of(config: Json, cid: str) -> frozenset[str]:
    pipelines = config["service"]["pipelines"]
    return frozenset(
        name.split("/")[0]
        for name, pipeline in pipelines.items()
        if any(cid in pipeline.get(role, []) for role in ("receivers", "processors", "exporters"))
    )
