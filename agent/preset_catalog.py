"""The agent's presets (see agent/preset.py): what each feature configures and needs.

RBAC here is derived from the upstream READMEs and the Helm chart's ClusterRole (reference
agent_facts.md §1), trimmed to what the configured options use: verbs the component never calls
and the `extensions` API group (no longer served since Kubernetes 1.16) are left out.
"""

from __future__ import annotations

from agent.backends import Resources
from agent.preset import Json, Preset, field_env, port, rule, value_env
from agent.quantities import gomemlimit

READ = ["get", "list", "watch"]
STATE_DIR = "/var/lib/otelcol"
STATE_VOLUME = "otelcol-state"
HEALTH_PORT = 13133
METRICS_PORT = 8888
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
POD_IP = "${env:MY_POD_IP}"
# Where a host-network collector binds its health and self-metrics endpoints: on the node's own
# address every pod of the VPC could reach them.
LOOPBACK = "127.0.0.1"

# kubelet serving certificates are self-signed on most clusters and name the host, not the IP
# dialled, so no CA in the pod can verify them; the connection stays TLS to this node's own IP
# with a short-lived token allowed only nodes/stats get. As the kube-stack chart and the
# receiver's README do (agent_facts.md §2, §3).
KUBELET_INSECURE_SKIP_VERIFY = True
# The recommended label the logs' service.name comes from (OpenTelemetry semantic conventions'
# first choice for Kubernetes); the sample app sets it on every pod.
APP_NAME_LABEL = "app.kubernetes.io/name"


def base(resources: Resources, listen: str = POD_IP) -> Preset:
    """What every collector needs: health probes, self-metrics, memory protection. Batching is
    the exporters' own (agent/exporters.py), after the persistent queue. `listen` is where the
    health and self-metrics endpoints bind (LOOPBACK: no port is declared, nothing scrapes it)."""
    memory = value_env("GOMEMLIMIT", gomemlimit(resources.memory))
    reachable = listen == POD_IP
    return Preset(
        extensions={"health_check": {"endpoint": f"{listen}:{HEALTH_PORT}"}},
        processors={
            # First in every pipeline: refuses data before the Go heap reaches the container
            # limit; percentages follow the cgroup limit, GOMEMLIMIT (80 %) makes GC act first.
            "memory_limiter": {
                "check_interval": "1s",
                "limit_percentage": 80,
                "spike_limit_percentage": 25,
            },
        },
        env=(field_env("MY_POD_IP", "status.podIP"), memory) if reachable else (memory,),
        ports=(port("metrics", METRICS_PORT), port("health", HEALTH_PORT)) if reachable else (),
    )


def persistent_state(volume_source: Json) -> Preset:
    """file_storage: filelog checkpoints and exporters' persistent sending queues, so a
    restart neither re-reads nor drops data. `volume_source` is hostPath or emptyDir."""
    return Preset(
        extensions={
            "file_storage": {
                "directory": STATE_DIR,
                "create_directory": True,
                "timeout": "2s",
                "compaction": {"on_start": True, "on_rebound": True, "directory": STATE_DIR},
            }
        },
        volumes=({"name": STATE_VOLUME, **volume_source},),
        volume_mounts=({"name": STATE_VOLUME, "mountPath": STATE_DIR},),
    )


def otlp(bind_host: str) -> Preset:
    """OTLP gRPC + HTTP for the app's traces, metrics and logs."""
    return Preset(
        receivers={
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{bind_host}:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"{bind_host}:{OTLP_HTTP_PORT}"},
                }
            }
        },
        ports=(port("otlp-grpc", OTLP_GRPC_PORT), port("otlp-http", OTLP_HTTP_PORT)),
    )


def kubelet_stats() -> Preset:
    """Node, pod and container metrics from this node's kubelet (/stats/summary)."""
    return Preset(
        receivers={
            "kubelet_stats": {
                "auth_type": "serviceAccount",
                "endpoint": "https://${env:K8S_NODE_IP}:10250",
                "insecure_skip_verify": KUBELET_INSECURE_SKIP_VERIFY,
                "collection_interval": "30s",
                "metric_groups": ["node", "pod", "container"],
            }
        },
        cluster_rules=(rule("", ["nodes/stats"], ["get"]),),
        env=(field_env("K8S_NODE_IP", "status.hostIP"),),
    )


# JSON log lines (the sample app's) give attributes, severity and the record's trace context,
# which Loki keeps as `trace_id` for Grafana's log <-> trace links. Node agent: after the
# container parser; Fargate sidecar: on the raw files.
APP_JSON_LOG_OPERATORS: list[Json] = [
    {
        "type": "json_parser",
        "id": "app-json",
        # A character class, not "\\{": expr string literals would need the backslash doubled.
        "if": 'body matches "^[{]"',
        "parse_from": "body",
        "parse_to": "attributes",
        "on_error": "send_quiet",
        # The severity block takes only parse_from/preset/mapping/overwrite_text (stanza
        # helper.SeverityConfig, decoded strictly); a missing or unknown level is covered by
        # the operator's own on_error.
        "severity": {"parse_from": "attributes.level"},
    },
    {
        "type": "trace_parser",
        "id": "app-trace",
        "if": "attributes.trace_id != nil",
        "trace_id": {"parse_from": "attributes.trace_id"},
        "span_id": {"parse_from": "attributes.span_id"},
        "on_error": "send_quiet",
    },
]
CONTAINER_LOG_OPERATORS: list[Json] = [
    {"type": "container", "id": "container-parser"},
    *APP_JSON_LOG_OPERATORS,
]


# file_log hands each line to the pipeline before moving its checkpoint, but by default through
# a buffer of its own, flushed every 100 ms (stanza helper.BatchingLogEmitter): the checkpoint
# can move past lines still in it, which a crash loses. This alpha gate (off by default,
# contrib#35456; pkg/stanza adapter/factory.go, container/config.go) makes it wait until the
# exporter has queued them on disk (tests/agent/test_node_logs_crash_live.py).
SYNCHRONOUS_LOG_EMITTER_GATE = "stanza.synchronousLogEmitter"

# /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, and the newest rotated one
# (`?` is one character: the .gz and .tmp files of older rotations do not match).
CONTAINER_LOG_FILES = "/var/log/pods/*/*/*.log"
ROTATED_CONTAINER_LOG_FILES = "/var/log/pods/*/*/*.log.????????-??????"


def container_logs(namespace: str, own_pod_prefix: str, own_container: str) -> Preset:
    """Container logs of every pod on the node, minus the agent's own (no feedback loop).

    start_at: end applies only without a checkpoint (a node's first start). The newest rotated
    file is read too, so lines rotated away while the agent was down still arrive; its
    fingerprint matches the checkpoint, so it resumes (pkg/stanza container/parser.go accepts the
    suffix; splunk-otel-collector-chart PR #1690 does the same).
    """
    own_logs = f"/var/log/pods/{namespace}_{own_pod_prefix}-*_*/{own_container}/*.log*"
    return Preset(
        receivers={
            "file_log": {
                "include": [CONTAINER_LOG_FILES, ROTATED_CONTAINER_LOG_FILES],
                "exclude": [own_logs],
                "start_at": "end",
                "include_file_path": True,
                "include_file_name": False,
                "storage": "file_storage",
                "retry_on_failure": {"enabled": True},
                "operators": CONTAINER_LOG_OPERATORS,
            }
        },
        volumes=(
            {"name": "varlogpods", "hostPath": {"path": "/var/log/pods", "type": "Directory"}},
        ),
        volume_mounts=({"name": "varlogpods", "mountPath": "/var/log/pods", "readOnly": True},),
        runs_as_root=True,
        feature_gates=(f"+{SYNCHRONOUS_LOG_EMITTER_GATE}",),
    )


# The Helm chart's hostMetrics preset (agent_facts.md §2): pseudo, container and kubelet mounts
# say nothing about the node's disks, so they are skipped.
HOST_FS_EXCLUDED_MOUNTS = [
    f"^{path}($|/)"
    for path in (
        "/dev", "/proc", "/sys", "/run/k3s/containerd", "/var/lib/docker", "/var/lib/kubelet",
        "/snap",
    )
]  # fmt: skip
HOST_FS_EXCLUDED_TYPES = [
    "autofs", "binfmt_misc", "bpf", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
    "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore",
    "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs",
]  # fmt: skip
# One veth (or CNI device) per pod: series that come and go with pods and repeat what
# kubelet_stats already reports per pod. The node's own NICs stay.
POD_NETWORK_PREFIXES = "veth cali cilium lxc azv eni flannel cni vxlan tunl docker br- kube-ipvs"
POD_NETWORK_INTERFACES = rf"^(lo|({'|'.join(POD_NETWORK_PREFIXES.split())}).*)$"
HOST_FS = "/hostfs"


def host_metrics() -> Preset:
    """The node's own CPU, memory, disks and NICs, read through / mounted read-only at /hostfs;
    k8s.node.name from the downward API, as the receiver sets no resource attribute."""
    return Preset(
        receivers={
            "host_metrics": {
                "root_path": HOST_FS,
                "collection_interval": "30s",
                "scrapers": {
                    "cpu": {},
                    "load": {},
                    "memory": {},
                    "disk": {},
                    "filesystem": {
                        "exclude_mount_points": {
                            "mount_points": HOST_FS_EXCLUDED_MOUNTS,
                            "match_type": "regexp",
                        },
                        "exclude_fs_types": {
                            "fs_types": HOST_FS_EXCLUDED_TYPES,
                            "match_type": "strict",
                        },
                    },
                    "network": {
                        "exclude": {
                            "interfaces": [POD_NETWORK_INTERFACES],
                            "match_type": "regexp",
                        }
                    },
                },
            }
        },
        processors={
            "resource/node": {
                "attributes": [
                    {"key": "k8s.node.name", "value": "${env:K8S_NODE_NAME}", "action": "upsert"}
                ]
            }
        },
        env=(field_env("K8S_NODE_NAME", "spec.nodeName"),),
        volumes=({"name": "hostfs", "hostPath": {"path": "/", "type": "Directory"}},),
        volume_mounts=(
            {
                "name": "hostfs",
                "mountPath": HOST_FS,
                "readOnly": True,
                "mountPropagation": "HostToContainer",
            },
        ),
    )


def k8s_attributes(node_local: bool) -> Preset:
    """Pod, workload and namespace metadata on every signal; node_local limits the informer
    to this node's pods (DaemonSet), so memory and API load do not grow with the cluster."""
    config: Json = {
        "auth_type": "serviceAccount",
        "passthrough": False,
        "pod_association": [
            {"sources": [{"from": "resource_attribute", "name": "k8s.pod.ip"}]},
            {"sources": [{"from": "resource_attribute", "name": "k8s.pod.uid"}]},
            {"sources": [{"from": "connection"}]},
        ],
        "extract": {
            "metadata": [
                "k8s.namespace.name",
                "k8s.pod.name",
                "k8s.pod.uid",
                "k8s.node.name",
                "k8s.deployment.name",
                "k8s.statefulset.name",
                "k8s.daemonset.name",
                "k8s.job.name",
                "k8s.cronjob.name",
                "k8s.container.name",
            ],
            # service.name for logs and kubelet metrics, which carry none (the semantic
            # conventions' first choice); resources with their own keep it.
            "labels": [{"tag_name": "service.name", "key": APP_NAME_LABEL, "from": "pod"}],
        },
    }
    env: tuple[Json, ...] = ()
    if node_local:
        config["filter"] = {"node_from_env_var": "K8S_NODE_NAME"}
        env = (field_env("K8S_NODE_NAME", "spec.nodeName"),)
    return Preset(
        processors={"k8s_attributes": config},
        cluster_rules=(
            rule("", ["pods", "namespaces"], READ),
            rule("apps", ["replicasets"], READ),
        ),
        env=env,
    )


NODE_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"]


# What k8s_cluster watches (list + watch, no get; the receiver's watcher.go, v0.156.0-v0.161.0).
# EndpointSlices, PersistentVolumes/PVCs and ClusterResourceQuotas need options the kit leaves
# off (endpoint count, PV metrics, entity events, distribution openshift), so are not granted.
K8S_CLUSTER_WATCHES = (
    ("", ["namespaces", "nodes", "pods", "replicationcontrollers", "resourcequotas", "services"]),
    ("apps", ["daemonsets", "deployments", "replicasets", "statefulsets"]),
    ("batch", ["jobs", "cronjobs"]),
    ("autoscaling", ["horizontalpodautoscalers"]),
)


def cluster_metrics() -> Preset:
    """Cluster state (node conditions, workloads, pod phases) from the API server. Must run
    once per cluster: every instance reports every object."""
    return Preset(
        receivers={
            "k8s_cluster": {
                "auth_type": "serviceAccount",
                "collection_interval": "30s",
                "node_conditions_to_report": NODE_CONDITIONS,
                "allocatable_types_to_report": ["cpu", "memory", "ephemeral-storage", "pods"],
            }
        },
        cluster_rules=tuple(
            rule(group, resources, ["list", "watch"]) for group, resources in K8S_CLUSTER_WATCHES
        ),
    )


def kubernetes_events() -> Preset:
    """Kubernetes events as log records (watch only: a restart skips, never repeats)."""
    return Preset(
        receivers={
            "k8s_objects": {
                "auth_type": "serviceAccount",
                "objects": [
                    {
                        "name": "events",
                        "group": "events.k8s.io",
                        "mode": "watch",
                        "exclude_watch_type": ["DELETED"],
                    }
                ],
            }
        },
        cluster_rules=(rule("events.k8s.io", ["events"], ["list", "watch"]),),
    )
