"""Addresses and scrape targets against the objects that serve them.

- Every in-cluster address a container's env or a ConfigMap holds (`<svc>.<ns>.svc...:<port>`,
  or `http://<svc>:<port>` in env, which resolves in the pod's own namespace) is a Service of the
  plan with that port. A namespace where the plan has no Service at all is skipped with a note:
  its Services come from a Helm chart whose rendered objects were not fed in.
- Every named `targetPort` of a Service is a container port of the pods it selects, and every
  named probe port one of the container's own (both are IntOrString: the API server accepts any
  name, and the Service then has no endpoints, the probe fails).
- Every PodMonitor selects pod templates (prometheus-operator: `selector` in the namespaces of
  `namespaceSelector`, its own by default) and names a container port they have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.network_flows import selects
from kit.plan.checks.object_index import Index, created_outside, describe

QUALIFIED = re.compile(
    r"\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)"
)
SHORT = re.compile(r"^https?://([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d+)(/|$)")


def check(index: Index, report: Report) -> None:
    served = {}
    for service in index.of_kind("Service"):
        ports = {p.get("port") for p in (service.get("spec") or {}).get("ports", [])}
        served[(index.namespace_of(service), service["metadata"]["name"])] = ports
    namespaces = {namespace for namespace, _ in served}
    skipped: set[str] = set()
    found = []
    for who, namespace, service, port in _addresses(index):
        if created_outside("Service", namespace, service):
            found.append(None)
            continue
        if namespace not in namespaces:
            skipped.add(namespace)
            continue
        found.append(_served(served, who, namespace, service, port))
    report.add("service address", found)
    if skipped:
        report.notes.append(
            f"addresses in {', '.join(sorted(skipped))} not checked: no Service of the plan "
            "there (a chart's rendered objects were not included)"
        )
    report.add("PodMonitor", _pod_monitors(index))
    report.add("named port", _named_ports(index))


def _served(served: dict, who: str, namespace: str, service: str, port: int) -> Dangling | None:
    ports = served.get((namespace, service))
    if ports is None:
        missing = f"Service {namespace}/{service}, which the plan does not create"
        return Dangling(who, "service address", missing)
    if port not in ports:
        other = f"port {port} of Service {namespace}/{service}, which serves {sorted(ports)}"
        return Dangling(who, "service address", other)
    return None


def _addresses(index: Index) -> Iterator[tuple[str, str, str, int]]:
    """(who, namespace, service, port) for every in-cluster address the objects hold."""
    for config_map in index.of_kind("ConfigMap"):
        for key, text in (config_map.get("data") or {}).items():
            for match in QUALIFIED.finditer(text):
                yield f"{describe(config_map)} key {key}", match[3], match[1], int(match[4])
    for pod in index.pod_templates():
        for container in pod.containers():
            for env in container.get("env", []):
                value = env.get("value") or ""
                who = f"{pod.name} container {container.get('name')} env {env.get('name')}"
                for match in QUALIFIED.finditer(value):
                    yield who, match[3], match[1], int(match[4])
                short = SHORT.match(value)
                if short and short[1] not in ("localhost",):
                    yield who, pod.namespace, short[1], int(short[3])


def _pod_monitors(index: Index) -> Iterator[Dangling | None]:
    for monitor in index.of_kind("PodMonitor"):
        spec = monitor.get("spec") or {}
        selector = spec.get("namespaceSelector") or {}
        own = index.namespace_of(monitor)
        namespaces = None if selector.get("any") else set(selector.get("matchNames") or [own])
        pods = [
            pod
            for pod in index.pod_templates()
            if (namespaces is None or pod.namespace in namespaces)
            and selects(spec.get("selector"), pod.labels)
        ]
        if not pods:
            yield Dangling(describe(monitor), "selector", "no pod template of the plan")
            continue
        ports = {
            p.get("name") for pod in pods for c in pod.containers() for p in c.get("ports", [])
        }
        for endpoint in spec.get("podMetricsEndpoints", []):
            name = endpoint.get("port")
            if name is None or name in ports:
                yield None
            else:
                have = f"{name!r}, which its pods do not have ({sorted(ports)})"
                yield Dangling(describe(monitor), "podMetricsEndpoints port", have)


def _named_ports(index: Index) -> Iterator[Dangling | None]:
    for service in index.of_kind("Service"):
        spec = service.get("spec") or {}
        if not spec.get("selector"):
            continue
        namespace = index.namespace_of(service)
        pods = [
            pod
            for pod in index.pod_templates()
            if pod.namespace == namespace and selects({"matchLabels": spec["selector"]}, pod.labels)
        ]
        names = {
            p.get("name") for pod in pods for c in pod.containers() for p in c.get("ports", [])
        }
        for port in spec.get("ports", []):
            target = port.get("targetPort")
            if not isinstance(target, str) or not pods:  # no pods: kube-score's finding
                continue
            if target in names:
                yield None
            else:
                unnamed = f"{target!r}, a port its pods do not name ({sorted(names)})"
                yield Dangling(describe(service), "targetPort", unnamed)
    for pod in index.pod_templates():
        for container in pod.containers():
            names = {p.get("name") for p in container.get("ports", [])}
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                action = container.get(probe) or {}
                port = (action.get("httpGet") or action.get("tcpSocket") or {}).get("port")
                if not isinstance(port, str):
                    continue
                who = f"{pod.name} container {container.get('name')}"
                unnamed = f"{port!r}, which the container does not name ({sorted(names)})"
                yield None if port in names else Dangling(who, f"{probe} port", unnamed)
