"""eks: Container Insights from every EC2 node (the awscontainerinsight receiver into awsemf)."""

from __future__ import annotations

from agent.preset import Json, Preset, field_env, rule
from agent.preset_catalog import READ
from components.platforms.eks.exporters import AwsBackends

CONTAINER_INSIGHTS_LEADER_LOCK = "otel-container-insight-clusterleader"
# The receiver's new type name, registered only with this feature gate on (alpha, off by
# default; contrib #44052, receiver/awscontainerinsightreceiver factory.go). Its DaemonSet sets it.
CONTAINER_INSIGHTS_RECEIVER = "awscontainerinsight"
CONTAINER_INSIGHTS_GATE = "receiver.awscontainerinsightreceiver.useNewTypeName"


def container_insights(aws: AwsBackends) -> Preset:
    """EKS Container Insights from every EC2 node: awscontainerinsight receiver -> awsemf.

    cAdvisor inside needs root and host paths (ADOT otel-container-insights-infra.yaml); the
    kubelet's /pods is authorised as nodes/pods (KubeletFineGrainedAuthz), which keeps
    nodes/proxy off the DaemonSet; its leader election gets a Role in the agent namespace only.
    """
    lock = [CONTAINER_INSIGHTS_LEADER_LOCK]
    host_paths = (
        ("rootfs", "/", "/rootfs", "Directory"),
        (
            "containerdsock",
            "/run/containerd/containerd.sock",
            "/run/containerd/containerd.sock",
            "Socket",
        ),
        ("sys", "/sys", "/sys", "Directory"),
        ("devdisk", "/dev/disk", "/dev/disk", "Directory"),
    )
    return Preset(
        receivers={
            CONTAINER_INSIGHTS_RECEIVER: {
                "collection_interval": "60s",
                "container_orchestrator": "eks",
                "add_service_as_attribute": True,
            }
        },
        exporters={"awsemf/containerinsights": container_insights_emf(aws)},
        cluster_rules=(
            rule("", ["pods", "nodes", "endpoints"], READ),
            rule("apps", ["replicasets"], READ),
            rule("batch", ["jobs"], ["list", "watch"]),
            rule("", ["nodes/stats", "nodes/pods"], ["get"]),
        ),
        namespace_rules=(
            rule("coordination.k8s.io", ["leases"], ["create"]),
            rule("coordination.k8s.io", ["leases"], ["get", "update"], lock),
            rule("", ["configmaps"], ["create"]),
            rule("", ["configmaps"], ["get", "update"], lock),
            rule("", ["events"], ["create", "patch"]),
        ),
        env=(
            field_env("HOST_IP", "status.hostIP"),
            field_env("HOST_NAME", "spec.nodeName"),
            field_env("K8S_NAMESPACE", "metadata.namespace"),
        ),
        volumes=tuple(
            {"name": name, "hostPath": {"path": path, "type": kind}}
            for name, path, _, kind in host_paths
        ),
        volume_mounts=tuple(
            {"name": name, "mountPath": mount, "readOnly": True} for name, _, mount, _ in host_paths
        ),
        runs_as_root=True,
        feature_gates=(f"+{CONTAINER_INSIGHTS_GATE}",),
        # cAdvisor walks host directories owned by other uids (container volumes, /rootfs/var/lib);
        # DAC_READ_SEARCH lets root read them without the much broader DAC_OVERRIDE.
        capabilities=("DAC_READ_SEARCH",),
    )


# Each metric x dimension set below is a billed custom metric per month: keep the list short.
CONTAINER_INSIGHTS_DECLARATIONS = [
    {
        "dimensions": [["NodeName", "InstanceId", "ClusterName"], ["ClusterName"]],
        "metric_name_selectors": [
            "^node_cpu_utilization$",
            "^node_memory_utilization$",
            "^node_filesystem_utilization$",
            "^node_number_of_running_pods$",
        ],
    },
    {
        "dimensions": [["PodName", "Namespace", "ClusterName"]],
        "metric_name_selectors": [
            "^pod_cpu_utilization$",
            "^pod_memory_utilization$",
            "^pod_number_of_container_restarts$",
        ],
    },
    {
        "dimensions": [["ClusterName"]],
        "metric_name_selectors": ["^cluster_node_count$", "^cluster_failed_node_count$"],
    },
]


def container_insights_emf(aws: AwsBackends) -> Json:
    return {
        "region": aws.region,
        "namespace": "ContainerInsights",
        "log_group_name": aws.performance_log_group,
        "log_stream_name": "{NodeName}",
        "resource_to_telemetry_conversion": {"enabled": True},
        "dimension_rollup_option": "NoDimensionRollup",
        "parse_json_encoded_attr_values": ["Sources", "kubernetes"],
        "metric_declarations": CONTAINER_INSIGHTS_DECLARATIONS,
    }
