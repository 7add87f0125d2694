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

Not run here, so covered by the reviews and token calls only: k8s_cluster and k8s_objects (the
cluster agent's API clients) are not in the built collector (the Go proxy refuses their modules:
agent/distribution.py NOT_BUILDABLE) and run as OTLP stand-ins, so neither k8s_cluster's
`k8s.node.condition_ready` following a node's Ready flip nor events arriving as log records is
observed; kubelet_stats' nodes/stats is authorised by a kubelet, and kwok's nodes have none.
Only what cannot run here is changed in the configs: those stand-ins, free loopback ports,
exporters pointed at a loopback OTLP sink, volumes in a temporary folder (host_metrics reads /).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agent import CLUSTER_AGENT, NODE_AGENT, Cloud
from kit import offline
from kit.localcluster import controlplane
from tests.agent import agent_cluster as ac
from tests.agent.collector_pods import collector_pods
from tests.agent.otelcol import (
    CollectorPod,
)
from tests.agent.test_agent_rbac import comparisons
from tests.agent.upstream_rbac import KUBELET_SUBRESOURCES, UNSERVED_GROUPS, Comparison

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
            comparisons(evaluation, Cloud.LOCAL),
            app_pod,
            ac.discovery(api),
        )
    finally:
        controlplane.down(state)


# --- the API server's answers ------------------------------------------------------------------


def test_the_agents_identities_are_on_the_server_as_rendered(live):
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
    api = live.cluster.api
    denied = []
    reviewed = 0
    for workload, identity in live.identities.items():
        for components, made in _declared_calls(live, workload).items():
            for call in made:
                ok, reason = ac.allowed(api, identity.user, call)
                reviewed += 1
                if not ok:
                    denied.append(f"{identity.user} ({components}): {call}: {reason}")
    assert not denied, "\n".join(denied)
    assert reviewed >= 30, reviewed  # both agents' rules were reviewed


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
    expected = {
        ("", "pods"): pod,
        ("", "nodes"): live.app_pod["spec"]["nodeName"],
        ("apps", "deployments"): APP,
        ("apps", "replicasets"): replica_set,
        ("events.k8s.io", "events"): f"{pod}.rbac-live",
        ("", "namespaces"): APP_NAMESPACE,
    }
    absent = {k: v for k, v in expected.items() if v not in seen.get(k, [])}
    assert not absent, absent
