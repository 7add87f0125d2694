"""The agents' RBAC proven on a real API server (kit/localcluster: kube-apiserver with Node,RBAC
authorization, etcd, kwok nodes), with the kit's own collector (`make otelcol`).

The local stack's agent namespaces, ServiceAccounts, ClusterRoles and bindings are created
exactly as the offline evaluation renders them; a Deployment (its ReplicaSet and a pod kwok
runs) and an events.k8s.io Event give the agents something to see. Then:
- each agent's collector runs on its real config and pod env as its ServiceAccount (a token
  from the TokenRequest API, in-cluster config: KUBERNETES_SERVICE_HOST/PORT and the token, CA
  and namespace at the pod's path, in a private mount namespace): nothing is forbidden, and the
  node agent's k8s_attributes adds the pod's and Deployment's metadata from this API server;
- without `pods` in its ClusterRole the same collector logs `forbidden` (the check can fail);
- every call each preset's rules declare, and every one upstream documents for its components
  (tests/agent/upstream_rbac.py), is allowed by a SubjectAccessReview for the ServiceAccount;
  calls only the other agent declares are denied; every declared list/watch works with the
  token; every declared resource is served (RBAC would accept a misspelt one).

Not run here, so covered by the reviews and token calls only: k8s_objects (the local cluster
agent's API client) is not in the built collector (the Go proxy refuses its module:
agent/distribution.py NOT_BUILDABLE) and runs as an OTLP stand-in, so events arriving as log
records are not observed. Only what cannot run here is changed in the configs: that stand-in,
free loopback ports, exporters pointed at a loopback OTLP sink, volumes in a temporary folder.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from agent import CLUSTER_AGENT, NODE_AGENT
from kit.localcluster import controlplane
from kit.plan import offline
from tests.agent import agent_cluster as ac
from tests.agent.collector_pods import collector_pods
from tests.agent.collector_run import Collector, free_port
from tests.agent.otelcol import (
    API_SERVER_ENV,
    CollectorPod,
    collector,
    in_pod_namespace,
    mount_volumes,
    stand_in,
)
from tests.agent.preset_rbac import comparisons
from tests.agent.upstream_rbac import KUBELET_SUBRESOURCES, UNSERVED_GROUPS, Comparison
from tests.helpers import wait_for
from tests.sample_app.otlp_receiver import OtlpReceiver

pytestmark = [pytest.mark.live, pytest.mark.slow, pytest.mark.xdist_group("test_agent_rbac_live")]

STACK = "local"
APP_NAMESPACE = "rbac-shop"
APP = "checkout"
WAIT_SECONDS = 30


@dataclass
class Live:
    cluster: controlplane.Cluster
    identities: dict[str, ac.Identity]  # by workload
    pods: dict[str, CollectorPod]  # the agents' collector containers, by workload
    compared: dict[str, list[Comparison]]  # by workload
    app_pod: dict
    served: ac.Served


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    ac.require_control_plane()
    evaluation = offline.evaluate(STACK)
    pods = {
        p.workload: p
        for p in collector_pods(evaluation)
        if p.workload in (NODE_AGENT, CLUSTER_AGENT)
    }
    base = tmp_path_factory.mktemp("rbac-cluster")
    state = base / "cluster.json"
    try:
        cluster = controlplane.up(base=base, state=state)
        api = cluster.api
        identities = ac.identities(evaluation, {w: p.namespace for w, p in pods.items()})
        for identity in identities:
            for obj in identity.objects:
                ac.create(api, obj)
        api.create("/api/v1/namespaces", {"metadata": {"name": APP_NAMESPACE}})
        ac.create(api, ac.deployment(APP_NAMESPACE, APP))
        app_pod = ac.running_pod(api, APP_NAMESPACE, APP)
        ac.create(api, ac.event(APP_NAMESPACE, app_pod, "seen by the cluster agent's token"))
        yield Live(
            cluster,
            {i.workload: i for i in identities},
            pods,
            comparisons(evaluation, "local"),
            app_pod,
            ac.discovery(api),
        )
    finally:
        controlplane.down(state)


# --- the API server's answers ------------------------------------------------------------------


def test_the_agents_identities_are_on_the_server_as_rendered(live):
    """What the reviews below judge is the rendered RBAC, unchanged by the API server."""
    api = live.cluster.api
    for identity in live.identities.values():
        for obj in identity.objects:
            if obj["kind"] in ("ClusterRole", "Role"):
                assert api.get(ac.path_of(obj))["rules"] == obj["rules"], ac.path_of(obj)
            elif obj["kind"] in ("ClusterRoleBinding", "RoleBinding"):
                found = api.get(ac.path_of(obj))
                assert (found["roleRef"], found["subjects"]) == (obj["roleRef"], obj["subjects"])


def _declared_calls(live: Live, workload: str) -> dict[str, list[ac.Call]]:
    """preset's components -> every call its rules allow, a kubelet's as the kubelet asks."""
    identity = live.identities[workload]
    node = live.app_pod["spec"]["nodeName"]
    found = {}
    for c in live.compared[workload]:
        made = ac.calls(list(c.preset.cluster_rules)) + ac.calls(
            list(c.preset.namespace_rules), identity.namespace
        )
        made = [
            ac.Call(x.verb, x.group, x.resource, x.namespace, node)
            if x.resource in KUBELET_SUBRESOURCES and not x.name
            else x
            for x in made
        ]
        if made:
            found[",".join(c.components)] = made
    return found


def test_every_call_each_preset_declares_is_allowed_for_its_service_account(live):
    """Each preset's own rules, as calls, are granted to the account through the rendered
    bindings (a wrong subject, role name or namespace would deny them)."""
    api = live.cluster.api
    denied = []
    reviewed = dict.fromkeys(live.identities, 0)
    for workload, identity in live.identities.items():
        for components, made in _declared_calls(live, workload).items():
            for call in made:
                ok, reason = ac.allowed(api, identity.user, call)
                reviewed[workload] += 1
                if not ok:
                    denied.append(f"{identity.user} ({components}): {call}: {reason}")
    assert not denied, "\n".join(denied)
    assert all(reviewed.values()), reviewed  # both agents' rules were reviewed


def test_every_call_upstream_documents_for_these_configs_is_allowed(live):
    """A permission upstream says a component needs with the kit's config, missing from the
    rendered RBAC, fails here on the server as in test_agent_rbac.py offline."""
    api = live.cluster.api
    missing = [
        f"{identity.user} ({','.join(c.components)}): {call}"
        for workload, identity in live.identities.items()
        for c in live.compared[workload]
        for call in (ac.Call(verb, group, resource) for group, resource, verb in sorted(c.needed))
        if not ac.allowed(api, identity.user, call)[0]
    ]
    assert not missing, "\n".join(missing)


def test_calls_nobody_declared_or_only_the_other_agent_declared_are_denied(live):
    """The reviews can say no: each account is refused writes and secrets, and what only the
    other agent's rules grant."""
    api = live.cluster.api
    declared = {
        w: {
            (c.verb, c.group, c.resource)
            for calls in _declared_calls(live, w).values()
            for c in calls
        }
        for w in live.identities
    }
    granted = []
    for workload, identity in live.identities.items():
        others = set().union(*(d for w, d in declared.items() if w != workload))
        probes = [ac.Call(v, g, r) for v, g, r in sorted(others - declared[workload])]
        probes += [
            ac.Call("get", "", "secrets"),
            ac.Call("delete", "", "pods", APP_NAMESPACE),
            ac.Call("create", "apps", "deployments", APP_NAMESPACE),
            ac.Call("update", "rbac.authorization.k8s.io", "clusterroles"),
        ]
        assert len(probes) > 4, workload  # the agents' rules differ
        granted += [f"{identity.user}: {p}" for p in probes if ac.allowed(api, identity.user, p)[0]]
    assert not granted, "\n".join(granted)


def test_every_declared_resource_is_served_with_the_declared_verbs(live):
    """RBAC accepts any resource name: a misspelt or retired one would pass every review."""
    wrong = []
    for workload in live.identities:
        for components, made in _declared_calls(live, workload).items():
            for call in made:
                if call.resource in KUBELET_SUBRESOURCES:
                    continue  # the kubelet's, not the API server's
                verbs = live.served.verbs.get((call.group, call.resource))
                if verbs is None or call.verb not in verbs:
                    wrong.append(f"{components}: {call} (served verbs: {verbs})")
    assert not wrong, "\n".join(wrong)
    assert not set(UNSERVED_GROUPS) & set(live.served.versions), "exempted groups are served"


def test_each_declared_list_and_watch_works_with_the_service_account_token(live):
    """The informers' requests, made with each agent's own token: 200 for every list and watch
    its rules declare; the objects the test made are in what the account reads."""
    api = live.cluster.api
    seen: dict[tuple[str, str], list[str]] = {}
    failed = []
    for workload, identity in live.identities.items():
        bearer = ac.token(api, identity, seconds=600)
        for made in _declared_calls(live, workload).values():
            for call in made:
                if call.verb not in ("list", "watch") or call.name:
                    continue
                path = ac.collection_path(live.served, call.group, call.resource, call.namespace)
                query = "?watch=1" if call.verb == "watch" else "?limit=500"
                status, body = ac.as_account(live.cluster, bearer, path + query)
                if status != 200:
                    failed.append(f"{identity.user}: {call}: {status} {body.get('message')}")
                elif call.verb == "list":
                    names = [i["metadata"]["name"] for i in body["items"]]
                    seen[call.group, call.resource] = names
    assert not failed, "\n".join(failed)
    pod = live.app_pod["metadata"]["name"]
    replica_set = live.app_pod["metadata"]["ownerReferences"][0]["name"]
    # The local stack's agents read no nodes or Deployments: kube-state-metrics and node-exporter
    # give Prometheus those (docs/design.md, one source per signal).
    expected = {
        ("", "pods"): pod,
        ("apps", "replicasets"): replica_set,
        ("events.k8s.io", "events"): f"{pod}.rbac-live",
        ("", "namespaces"): APP_NAMESPACE,
    }
    absent = {k: v for k, v in expected.items() if v not in seen.get(k, [])}
    assert not absent, absent


# --- the collector, as each agent's ServiceAccount ---------------------------------------------


def live_config(pod: CollectorPod, sink: str, root: Path) -> tuple[str, dict[str, str], str]:
    """The pod's config and env with only what cannot run here changed (module docstring),
    and the OTLP/HTTP address its otlp receiver listens on ("" without one)."""
    text, _ = stand_in(pod.config)
    config = json.loads(json.dumps(yaml.safe_load(text)))  # stand-ins share one (aliased) body
    otlp_http = ""
    for cid, receiver in config["receivers"].items():
        for protocol, settings in (receiver.get("protocols") or {}).items():
            settings["endpoint"] = f"127.0.0.1:{free_port()}"
            if cid == "otlp" and protocol == "http":
                otlp_http = settings["endpoint"]
    for cid, exporter in config["exporters"].items():
        # OTLP/HTTP to the sink; nothing sends traces, so gRPC goes to a closed port
        exporter["endpoint"] = sink if cid.startswith("otlp_http") else f"127.0.0.1:{free_port()}"
    config["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{free_port()}"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]
    reader["pull"]["exporter"]["prometheus"].update(host="127.0.0.1", port=free_port())
    text = mount_volumes(yaml.safe_dump(config, sort_keys=False), pod.container, root)
    text = text.replace(f"root_path: {root}/hostfs", "root_path: /")  # the node's / is ours
    return text, dict(pod.env), otlp_http


@dataclass
class Running:
    agent: Collector
    sink: OtlpReceiver
    otlp_http: str

    def log(self) -> str:
        return self.agent.log.read_text()


class Agents:
    """Starts agents' collectors as their ServiceAccounts; stops them all at the end."""

    def __init__(self, live: Live, root: Path) -> None:
        self.live = live
        self.root = root
        self.running: list[Running] = []

    def start(self, workload: str) -> Running:
        live = self.live
        pod = live.pods[workload]
        identity = live.identities[workload]
        root = Path(tempfile.mkdtemp(dir=self.root, prefix=f"{workload}-"))
        sink = OtlpReceiver().__enter__()
        text, env, otlp_http = live_config(pod, sink.endpoint, root / "pod")
        (root / "relay.yaml").write_text(text)
        port = live.cluster.server.rsplit(":", 1)[1]
        env.update(
            API_SERVER_ENV,
            KUBERNETES_SERVICE_PORT=port,
            MY_POD_IP="127.0.0.1",
            # the node the app's pod runs on; its kubelet is absent (kwok), so refuse fast
            K8S_NODE_NAME=live.app_pod["spec"]["nodeName"],
            K8S_NODE_IP="127.0.0.1",
        )
        agent = Collector(collector(), root / "relay.yaml", env, root / "collector.log")
        files = ac.service_account_files(root / "serviceaccount", live.cluster, identity)
        agent.command = in_pod_namespace(agent.command, pod, root, files)
        running = Running(agent, sink, otlp_http)
        self.running.append(running)
        agent.start()
        return running

    def stop(self) -> None:
        for running in self.running:
            running.agent.stop()
            running.sink.__exit__(None, None, None)


@pytest.fixture
def agents(live, tmp_path):
    started = Agents(live, tmp_path)
    try:
        yield started
    finally:
        started.stop()


def send_log(otlp_http: str, pod_ip: str, seq: int) -> None:
    """One OTLP/HTTP log record from `pod_ip`, as an app's SDK sends it to the node agent."""
    body = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "k8s.pod.ip", "value": {"stringValue": pod_ip}}]
                },
                "scopeLogs": [{"logRecords": [{"body": {"stringValue": f"rbac-live {seq}"}}]}],
            }
        ]
    }
    request = urllib.request.Request(
        f"http://{otlp_http}/v1/logs",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def enriched(running: Running, pod_ip: str) -> dict:
    """Send a record a second until one comes back with k8s_attributes' pod metadata (the pod
    informer syncs after start); its resource, or the last one seen."""
    sent = itertools.count()
    last: dict = {}

    def sent_and_enriched() -> dict | None:
        nonlocal last
        send_log(running.otlp_http, pod_ip, next(sent))
        for record in running.sink.logs():
            last = record.resource
            if "k8s.pod.name" in last:
                return last
        return None

    return wait_for(sent_and_enriched, WAIT_SECONDS, every=1, fail=False) or last


def forbidden(log: str) -> list[str]:
    return [line for line in log.splitlines() if "forbidden" in line.lower()]


def test_the_agents_run_as_their_accounts_unforbidden_and_enrich_from_this_api_server(live, agents):
    node = agents.start(NODE_AGENT)
    cluster = agents.start(CLUSTER_AGENT)
    pod = live.app_pod
    resource = enriched(node, pod["status"]["podIP"])

    assert resource.get("k8s.pod.name") == pod["metadata"]["name"], (resource, node.log())
    assert resource["k8s.pod.uid"] == pod["metadata"]["uid"]
    assert resource["k8s.namespace.name"] == APP_NAMESPACE
    assert resource["k8s.deployment.name"] == APP
    assert resource["k8s.node.name"] == pod["spec"]["nodeName"]
    assert resource["service.name"] == APP  # the pod's app.kubernetes.io/name label
    for running in (node, cluster):
        assert running.agent.process.poll() is None, running.log()
        assert not forbidden(running.log()), running.log()


def _without(rules: list[dict], group: str, resource: str) -> list[dict]:
    """The rules less `resource` of `group` (a rule left with no resource goes)."""
    out = []
    for rule in rules:
        kept = [r for r in rule["resources"] if not (group in rule["apiGroups"] and r == resource)]
        if kept:
            out.append({**rule, "resources": kept})
    return out


@pytest.fixture
def node_role(live):
    """The node agent's ClusterRole; put back as rendered after the test changes it."""
    role = live.identities[NODE_AGENT].role("ClusterRole")
    yield role
    ac.replace_rules(live.cluster.api, role, role["rules"])


def test_without_pods_in_its_cluster_role_the_node_agent_logs_forbidden(live, agents, node_role):
    """The check can fail: one rule k8s_attributes needs taken out, and the real collector says
    so, naming the account and the resource."""
    ac.replace_rules(live.cluster.api, node_role, _without(node_role["rules"], "", "pods"))
    node = agents.start(NODE_AGENT)
    lines = wait_for(lambda: forbidden(node.log()), WAIT_SECONDS, fail=False)
    assert lines, node.log()
    user = live.identities[NODE_AGENT].user
    assert any(user in line and "pods" in line for line in lines), lines


def test_k8s_attributes_needs_no_replicasets_or_namespaces_with_the_kits_config(
    live, agents, node_role
):
    """Evidence for the finding in test_agent_rbac.py FINDINGS: without replicasets (and
    namespaces, which its README asks for but this config starts no informer for) the node
    agent still enriches, Deployment name included, and nothing is forbidden."""
    rules = _without(_without(node_role["rules"], "apps", "replicasets"), "", "namespaces")
    ac.replace_rules(live.cluster.api, node_role, rules)
    node = agents.start(NODE_AGENT)
    resource = enriched(node, live.app_pod["status"]["podIP"])
    assert resource.get("k8s.deployment.name") == APP, (resource, node.log())
    assert resource["k8s.namespace.name"] == APP_NAMESPACE
    assert not forbidden(node.log()), node.log()
