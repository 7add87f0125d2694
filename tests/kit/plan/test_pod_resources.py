"""The pod resources table counts pods and containers the way the scheduler does."""

from __future__ import annotations

from decimal import Decimal

from kit.cli import kind_cluster
from kit.plan.pod_resources import KIND_NODES, Amount, pod_resources, stack_nodes

MIB = 2**20


def container(name: str, requests: dict | None = None, limits: dict | None = None, **more) -> dict:
    resources = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    return {"name": name, "image": "x", "resources": resources, **more}


def workload(kind: str, name: str, containers: list, init: list | None = None, **spec) -> dict:
    pod = {"containers": containers, **({"initContainers": init} if init else {})}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {**spec, "template": {"spec": pod}},
    }


SMALL = {"cpu": "100m", "memory": "64Mi"}


def test_daemonsets_count_once_per_node_and_deployments_per_replica():
    table = pod_resources(
        [
            workload("DaemonSet", "agent", [container("a", SMALL, SMALL)]),
            workload("Deployment", "app", [container("a", SMALL, SMALL)], replicas=2),
            workload("StatefulSet", "db", [container("a", SMALL, SMALL)]),  # replicas unset: 1
        ],
        nodes=3,
    )
    assert [(w.name, w.pods) for w in table.workloads] == [("agent", 3), ("app", 2), ("db", 1)]
    assert table.requests == Amount(Decimal("0.6"), Decimal(384 * MIB))
    assert table.per_namespace() == {"ns": (table.requests, table.limits)}


def test_init_containers_count_as_the_scheduler_counts_them():
    big_init = container("init", {"cpu": "50m", "memory": "256Mi"})
    apps = [container("a", SMALL), container("b", SMALL)]
    (w,) = pod_resources([workload("Deployment", "d", apps, [big_init])], 1).workloads
    # max(sum of app containers, largest init container), per resource
    assert (w.requests.cpu, w.requests.memory) == (Decimal("0.2"), Decimal(256 * MIB))
    assert [(c.name, c.init, c.requests.memory) for c in w.containers] == [
        ("init", True, 256 * MIB),
        ("a", False, 64 * MIB),
        ("b", False, 64 * MIB),
    ]


def test_sidecars_add_to_the_app_containers_and_to_later_init_containers():
    sidecar = container("side", SMALL, restartPolicy="Always")
    later = container("later", {"cpu": "10m", "memory": "200Mi"})
    apps = [container("a", SMALL)]
    (w,) = pod_resources([workload("Deployment", "d", apps, [sidecar, later])], 1).workloads
    assert (w.requests.cpu, w.requests.memory) == (Decimal("0.2"), Decimal(264 * MIB))


def test_a_limit_without_a_request_is_requested():
    only_limit = container("a", limits={"cpu": "1", "memory": "1Gi"})
    (w,) = pod_resources([workload("Deployment", "d", [only_limit])], 1).workloads
    assert (w.requests.cpu, w.requests.memory) == (Decimal(1), Decimal(2**30))
    assert not w.requests.unset


def test_a_container_without_values_is_named_not_counted_as_zero():
    table = pod_resources(
        [workload("Deployment", "d", [container("bare"), container("set", SMALL, SMALL)])], 1
    )
    (w,) = table.workloads
    assert w.requests.unset_for("memory") and w.limits.unset_for("cpu")
    text = table.render()
    assert "ns/d bare: no request cpu, request memory, limit cpu, limit memory" in text
    assert "100m+?" in text and "set:" not in text


def test_jobs_are_listed_but_not_in_the_totals():
    job = workload("Job", "hook", [container("a", SMALL, SMALL)])
    job["apiVersion"] = "batch/v1"
    table = pod_resources([job], 3)
    assert table.requests == Amount() and [w.name for w in table.run_once] == ["hook"]
    assert "run to completion, not counted: Job ns/hook" in table.render()


def test_operator_pods_get_the_objects_resources_and_the_operators_reloader():
    operator = workload(
        "Deployment",
        "operator",
        [
            container(
                "op",
                SMALL,
                SMALL,
                args=[
                    "--prometheus-config-reloader=image",
                    "--config-reloader-cpu-request=10m",
                    "--config-reloader-memory-request=16Mi",
                    "--config-reloader-memory-limit=0",
                ],
            )
        ],
    )
    prometheus = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Prometheus",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"replicas": 2, "shards": 2, "resources": {"requests": SMALL}},
    }
    table = pod_resources([operator, prometheus], 1)
    (w,) = [w for w in table.workloads if w.kind == "Prometheus"]
    assert w.pods == 4
    assert (w.requests.cpu, w.requests.memory) == (Decimal("0.11"), Decimal(80 * MIB))
    assert "config-reloader: limit memory" in w.limits.unset  # "0" means unset


def test_node_count_is_the_kind_clusters_on_local_and_the_stacks_elsewhere():
    assert stack_nodes("local", 2) == KIND_NODES == 1 + kind_cluster.WORKERS  # + control plane
    assert stack_nodes("eks", 4) == 4
