"""Every collector container a stack deploys, read from the offline evaluation of the program
(kit/plan/offline.py): the node DaemonSet, the cluster Deployment and each app pod's Fargate
sidecar, each with the ConfigMap its config volume mounts and the env and args its pod spec sets."""

from __future__ import annotations

from agent.k8s import CONFIG_DIR, CONTAINER_NAME
from components.platforms.eks.exporters import IRSA_ANNOTATION
from kit.plan import offline
from tests.agent.otelcol import CollectorPod, resolve_env

WORKLOADS = ("kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:Deployment")
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
# What a pod whose ServiceAccount carries an IRSA role has that others lack: AWS credentials
# (sigv4auth fetches them when its config is validated). The pod identity webhook gives a web
# identity token for STS, which nothing answers here, so these stand in as static ones.
IRSA_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def _plain(value):
    """A Pulumi secret's value as the Secret object's data holds it."""
    return value.value if isinstance(value, offline.Secret) else value


def _by_name(evaluation: offline.Evaluation, type_: str) -> dict[tuple[str, str], dict]:
    return {
        (r.inputs["metadata"].get("namespace", ""), r.inputs["metadata"]["name"]): r.inputs
        for r in evaluation.of_type(type_)
    }


def _config_text(pod_spec: dict, container: dict, namespace: str, config_maps: dict) -> str:
    """The file the container reads at CONFIG_DIR: its volume's ConfigMap key."""
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == CONFIG_DIR)
    volume = next(v for v in pod_spec["volumes"] if v["name"] == mount["name"])
    source = volume["configMap"]
    data = config_maps[(namespace, source["name"])]["data"]
    items = source.get("items") or [{"key": k, "path": k} for k in data]
    config_file = next(a for a in container["args"] if a.startswith("--config="))
    wanted = config_file.removeprefix(f"--config={CONFIG_DIR}/")
    return data[next(i["key"] for i in items if i["path"] == wanted)]


def collector_pods(evaluation: offline.Evaluation) -> list[CollectorPod]:
    config_maps = _by_name(evaluation, CONFIG_MAP)
    secrets = {
        key: {k: _plain(v) for k, v in _plain(obj.get("stringData") or {}).items()}
        for key, obj in _by_name(evaluation, SECRET).items()
    }
    with_role = {
        key
        for key, account in _by_name(evaluation, SERVICE_ACCOUNT).items()
        if IRSA_ANNOTATION in (account["metadata"].get("annotations") or {})
    }
    pods = []
    for type_ in WORKLOADS:
        for (namespace, name), workload in _by_name(evaluation, type_).items():
            template = workload["spec"]["template"]
            labels = template.get("metadata", {}).get("labels", {})
            for container in template["spec"]["containers"]:
                if container["name"] != CONTAINER_NAME:
                    continue
                token = template["spec"].get("automountServiceAccountToken", True)
                env = resolve_env(container, namespace, f"{name}-7d9f8-x2x4q", labels, secrets)
                account = template["spec"].get("serviceAccountName", "default")
                if (namespace, account) in with_role:
                    env = {**env, **IRSA_CREDENTIALS}
                config = _config_text(template["spec"], container, namespace, config_maps)
                pods.append(
                    CollectorPod(
                        name,
                        namespace,
                        config,
                        env,
                        container["args"],
                        labels,
                        container,
                        token,
                        template["spec"].get("volumes", []),
                    )
                )
    return pods
