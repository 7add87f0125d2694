"""Reference checks over every Kubernetes object of a plan: a name one object uses must be an
object the plan creates (or one the API server or a controller creates by itself, listed in
CREATED_OUTSIDE_THE_PLAN with the reason), and a key it reads must be a key that object has.

The API server accepts a Deployment whose Secret does not exist; its pods then never start
(CreateContainerConfigError), which no schema check sees. `check()` takes plain object dicts,
so the kit's own objects and the objects rendered from the Helm charts go through the same
checks. In this folder, kube-score (kube_score.py) covers Services and NetworkPolicies that
select no pod and workload selectors that miss their own template; collector_refs.py the
collector configs; service_refs.py in-cluster addresses and PodMonitors; network_flows.py the
NetworkPolicies against the flows table in docs/design.md, refused_flows.py against the flows
it must refuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kit.plan.checks import (
    collector_refs,
    kube_score,
    network_flows,
    refused_flows,
    runtime_pods,
    service_refs,
)
from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.object_index import (
    Index,
    Json,
    PodTemplate,
    config_keys,
    config_map_file,
    created_outside,
    describe,
)

SERVICE_ACCOUNT_TOKEN_KEYS = {"token", "ca.crt", "namespace"}  # filled in by the token controller


def check(
    objects: list[Json], design: Path | None = None, pod_cidrs: tuple[str, ...] | None = None
) -> Report:
    """Every reference check over `objects` (the plan's and any rendered chart's), with the
    pods controllers and the cluster create at run time (runtime_pods.py) as targets;
    `pod_cidrs`: where the stack's pods get addresses (None: unknown, any private range)."""
    made = runtime_pods.made_at_run_time(objects)
    everything = objects + made
    index = Index(everything)
    report = Report(len(objects), made=len(made))
    for pod in index.pod_templates():
        report.add("config/secret reference", _config_refs(index, pod))
        report.add("volumeMount", _mounts(pod))
        report.add("serviceAccount", _service_account(index, pod))
        report.add("command file", _command_files(index, pod))
    report.add("role binding", _role_bindings(index))
    collector_refs.check(index, report)
    service_refs.check(index, report)
    cluster = network_flows.Cluster(index, pod_cidrs)
    network_flows.check(cluster, report, design)
    refused_flows.check(cluster, report, design)
    kube_score.check(everything, report)
    return report


def _config_refs(index: Index, pod: PodTemplate) -> Iterator[Dangling | None]:
    for kind, name, keys, optional in _named_config(pod):
        yield _resolve(index, pod, kind, name, keys, optional)


def _resolve(
    index: Index, pod: PodTemplate, kind: str, name: str, keys: list[str], optional: bool
) -> Dangling | None:
    target = index.get(kind, pod.namespace, name)
    if target is None:
        if optional or created_outside(kind, pod.namespace, name):
            return None
        return Dangling(
            pod.name,
            f"a {kind} reference",
            f"{kind} {pod.namespace}/{name}, which the plan does not create",
        )
    have = _keys(target)
    missing = [key for key in keys if key not in have]
    if missing and not optional:
        return Dangling(
            pod.name,
            f"a {kind} key reference",
            f"{kind} {pod.namespace}/{name} key(s) {missing}; it has {sorted(have)}",
        )
    return None


def _keys(obj: Json) -> set[str]:
    keys = config_keys(obj)
    if obj.get("type") == "kubernetes.io/service-account-token":
        keys |= SERVICE_ACCOUNT_TOKEN_KEYS
    return keys


def _named_config(pod: PodTemplate) -> Iterator[tuple[str, str, list[str], bool]]:
    """(kind, name, keys read, optional) for every Secret/ConfigMap the pod names."""
    for container in pod.containers():
        for env in container.get("env", []):
            source = env.get("valueFrom") or {}
            for field_name, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                ref = source.get(field_name)
                if ref:
                    yield kind, ref.get("name", ""), [ref.get("key", "")], bool(ref.get("optional"))
        for env_from in container.get("envFrom", []):
            for field_name, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                ref = env_from.get(field_name)
                if ref:
                    yield kind, ref.get("name", ""), [], bool(ref.get("optional"))
    for secret in pod.spec.get("imagePullSecrets", []):
        yield "Secret", secret.get("name", ""), [], False
    for volume in pod.spec.get("volumes", []):
        yield from _volume_config(volume)


def _volume_config(volume: Json) -> Iterator[tuple[str, str, list[str], bool]]:
    def items(source: Json) -> list[str]:
        return [item["key"] for item in source.get("items", [])]

    if "secret" in volume:
        source = volume["secret"]
        yield "Secret", source.get("secretName", ""), items(source), bool(source.get("optional"))
    if "configMap" in volume:
        source = volume["configMap"]
        yield "ConfigMap", source.get("name", ""), items(source), bool(source.get("optional"))
    for projected in (volume.get("projected") or {}).get("sources", []):
        for field_name, kind in (("secret", "Secret"), ("configMap", "ConfigMap")):
            source = projected.get(field_name)
            if source:
                yield kind, source.get("name", ""), items(source), bool(source.get("optional"))


def _mounts(pod: PodTemplate) -> Iterator[Dangling | None]:
    volumes = {v.get("name") for v in pod.spec.get("volumes", [])}
    for container in pod.containers():
        for mount in container.get("volumeMounts", []):
            if mount.get("name") in volumes:
                yield None  # resolved
            else:
                yield Dangling(
                    pod.name,
                    f"container {container.get('name')} volumeMount",
                    f"volume {mount.get('name')!r}, which the pod does not have "
                    f"(it has {sorted(volumes)})",
                )


def _service_account(index: Index, pod: PodTemplate) -> Iterator[Dangling | None]:
    name = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount") or "default"
    if index.get("ServiceAccount", pod.namespace, name) or created_outside(
        "ServiceAccount", pod.namespace, name
    ):
        yield None  # resolved
    else:
        yield Dangling(
            pod.name,
            "serviceAccountName",
            f"ServiceAccount {pod.namespace}/{name}, which the plan does not create",
        )


def _role_bindings(index: Index) -> Iterator[Dangling | None]:
    for binding in index.of_kind("RoleBinding", "ClusterRoleBinding"):
        namespace = index.namespace_of(binding)
        role = binding.get("roleRef") or {}
        kind, name = role.get("kind", ""), role.get("name", "")
        if index.get(kind, namespace, name) or created_outside(kind, namespace, name):
            yield None  # resolved
        else:
            where = f"{namespace}/" if kind == "Role" else ""
            yield Dangling(
                describe(binding),
                "roleRef",
                f"{kind} {where}{name}, which the plan does not create",
            )
        for subject in binding.get("subjects", []):
            if subject.get("kind") != "ServiceAccount":
                continue
            sa_namespace = subject.get("namespace") or namespace
            sa_name = subject.get("name", "")
            if index.get("ServiceAccount", sa_namespace, sa_name) or created_outside(
                "ServiceAccount", sa_namespace, sa_name
            ):
                yield None  # resolved
            else:
                yield Dangling(
                    describe(binding),
                    "subject",
                    f"ServiceAccount {sa_namespace}/{sa_name}, which the plan does not create",
                )


def _command_files(index: Index, pod: PodTemplate) -> Iterator[Dangling | None]:
    """Files a container's command or args name (`/app/app.py`, `-r /app/requirements.txt`,
    `--config=/conf/relay.yaml`) on a ConfigMap volume: the ConfigMap has that key."""
    for container in pod.containers():
        for word in [*container.get("command", []), *container.get("args", [])]:
            path = word.rpartition("=")[2]
            found = config_map_file(index, pod, container, path) if path.startswith("/") else None
            if found is None:
                continue
            if found.text is not None or not index.get(
                "ConfigMap", pod.namespace, found.config_map
            ):
                yield None  # a missing ConfigMap is the volume check's finding
            else:
                yield Dangling(
                    f"{pod.name} container {container.get('name')}",
                    "command file",
                    f"{path}, which ConfigMap {pod.namespace}/{found.config_map} does not "
                    f"hold (volume {found.mount['name']}, key {found.key!r})",
                )
