"""Chart values that keep the monitoring charts at least privilege, as `python -m kit plan`'s
rendering shows them: host access only where it is needed (node-exporter, in its own privileged
namespace), pods that meet the `restricted` Pod Security level wherever the chart lets values
say so, Grafana reading only its own namespace, and Tempo's data on a bounded emptyDir.
"""

from __future__ import annotations

import copy
from typing import Any

from agent.labels import kit_labels
from components.names import GRAFANA_ROLE, GRAFANA_SERVICE_ACCOUNT

# What the restricted level asks of every container (Pod Security Standards, "Restricted").
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
# Tempo's blocks and WAL (/var/tempo) live for the retention (72h) on an emptyDir: off the
# container's writable layer, and bounded: past the limit the kubelet evicts the pod (a trial
# loses its traces rather than filling the node's disk).
TEMPO_DATA_LIMIT = "4Gi"


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra` merged in, dicts recursively (like Helm merges values)."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def harden_kube_prometheus_stack(
    values: dict[str, Any], monitoring_namespace: str, node_namespace: str
) -> dict[str, Any]:
    return deep_merge(
        values,
        {
            "prometheus-node-exporter": {"namespaceOverride": node_namespace},
            "grafana": grafana_namespaced(monitoring_namespace),
            # Its `secrets` collector (kube_secret_* metrics, which no rule or dashboard of the
            # kit or the chart reads) is what makes its ClusterRole list and watch every
            # Secret in the cluster, values included; without it the grant goes too.
            "kube-state-metrics": {"collectorsExclude": ["secrets"]},
        },
    )


def loki_without_rules_sidecar() -> dict[str, Any]:
    """The kit defines no Loki alerting rules, so the chart's rules sidecar (and the ClusterRole
    reading every ConfigMap and Secret it comes with, templates/backend/clusterrole.yaml) is
    left out; what RBAC remains is namespaced."""
    return {"sidecar": {"rules": {"enabled": False}}, "rbac": {"namespaced": True}}


def grafana_namespaced(namespace: str) -> dict[str, Any]:
    """The dashboard and datasource sidecars watch only `namespace` (where the kit's dashboard
    ConfigMaps are), so a Role there suffices instead of a ClusterRole that reads every Secret
    and ConfigMap in the cluster (grafana chart: templates/clusterrole.yaml). The chart makes
    no RBAC: its Role adds every Secret of the namespace (templates/role.yaml); the kit's
    (`grafana_rbac`) does not."""
    return {
        "rbac": {"create": False},
        "sidecar": {
            # The kit's dashboards and the chart's datasources are ConfigMaps.
            "dashboards": {"enabled": True, "searchNamespace": namespace, "resource": "configmap"},
            "datasources": {"searchNamespace": namespace, "resource": "configmap"},
        },
    }


def grafana_rbac(namespace: str) -> list[dict[str, Any]]:
    """What the sidecars need: read the ConfigMaps of `namespace`. The chart's own Role grants
    `secrets` beside them whenever a sidecar is on (no value removes it), which would let Grafana
    read the alert receiver's credentials. A Role and RoleBinding of the kit's own names, not
    the chart's: a RoleBinding's roleRef cannot change, so `helm upgrade` could not repoint it."""
    meta = {
        "name": GRAFANA_ROLE,
        "namespace": namespace,
        "labels": kit_labels("grafana", "monitoring"),
    }
    rbac = "rbac.authorization.k8s.io"
    role = {
        "apiVersion": f"{rbac}/v1",
        "kind": "Role",
        "metadata": meta,
        "rules": [
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}
        ],
    }
    binding = {
        "apiVersion": f"{rbac}/v1",
        "kind": "RoleBinding",
        "metadata": meta,
        "roleRef": {"apiGroup": rbac, "kind": "Role", "name": GRAFANA_ROLE},
        "subjects": [
            {"kind": "ServiceAccount", "name": GRAFANA_SERVICE_ACCOUNT, "namespace": namespace}
        ],
    }
    return [role, binding]


def tempo_storage() -> dict[str, Any]:
    return {
        "extraVolumes": [{"name": "tempo-data", "emptyDir": {"sizeLimit": TEMPO_DATA_LIMIT}}],
        "tempo": {
            "extraVolumeMounts": [{"name": "tempo-data", "mountPath": "/var/tempo"}],
            # Writes only /var/tempo and /tmp (the metrics generator's emptyDir), as
            # tempo-distributed's components run upstream (readOnlyRootFilesystem: true).
            "securityContext": RESTRICTED_CONTAINER,
        },
    }
