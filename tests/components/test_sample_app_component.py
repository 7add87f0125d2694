"""The sample app as deployed: restricted pods, source from a ConfigMap (or a prebuilt image),
the front end private unless CIDRs are given, Fargate tiers carrying the collector sidecar."""

from __future__ import annotations

import pytest

from components import sample_app, sample_app_wheelhouse
from components.platforms.eks.fargate_sidecar import fargate_pod
from components.sample_app import SampleAppArgs, sample_app_objects
from kit.plan import manifests

ARGS = SampleAppArgs(
    namespace="o11y-app",
    python_image="python:3.11.16-slim-bookworm@sha256:" + "0" * 64,
    node_otlp_endpoint="http://otel-node-agent.o11y-agent.svc.cluster.local:4318",
    agent_namespace="o11y-agent",
)


def _objects(ev):
    return [manifests.manifest(r) for r in ev.resources if manifests.is_object(r)]


def _pods(objects):
    return {
        o["metadata"]["name"]: o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"]["namespace"] == "o11y-app"
    }


def _assert_restricted(pod: dict) -> None:
    """Pod Security Standards, restricted profile (kubernetes.io/docs/concepts/security)."""
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for volume in pod["volumes"]:
        assert set(volume) <= {"name", "emptyDir", "configMap"}, volume
    assert not pod.get("hostNetwork") and not pod.get("hostPID")
    for c in pod["containers"] + pod.get("initContainers", []):
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False, c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add")
        assert sc.get("privileged") is not True
        assert sc["readOnlyRootFilesystem"] is True
        assert sc.get("runAsUser", pod["securityContext"]["runAsUser"]) != 0
        assert all("hostPort" not in p for p in c.get("ports", []))


@pytest.mark.parametrize("stack", ["local", "aks"])
def test_every_app_pod_meets_the_restricted_profile(evaluated, stack):
    pods = _pods(_objects(evaluated(stack)))
    tiers = {"sample-front", "sample-middle", "sample-back", "sample-loadgen"}
    assert set(pods) == {*tiers, "sample-wheelhouse"}
    for pod in pods.values():
        _assert_restricted(pod)


def test_fargate_tiers_keep_the_restricted_profile_and_carry_the_sidecar():
    objects = sample_app_objects(
        SampleAppArgs(**{**ARGS.__dict__, "fargate_tiers": ("back",), "fargate_pod": fargate_pod})
    )
    back = next(o for o in objects if o["metadata"]["name"] == "sample-back")
    pod = back["spec"]["template"]["spec"]
    _assert_restricted(pod)
    assert back["spec"]["template"]["metadata"]["labels"]["o11y-kit/compute"] == "fargate"
    assert {c["name"] for c in pod["containers"]} == {"app", "otel-collector"}
    app = next(c for c in pod["containers"] if c["name"] == "app")
    assert app["command"][0] == "/bin/bash"
    assert app["command"][1].endswith("/app-log-wrapper.sh")
    assert app["command"][2:] == sample_app.APP_COMMAND
    env = {e["name"]: e.get("value") for e in app["env"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"  # the sidecar, HTTP
    for c in pod["containers"] + pod["initContainers"]:  # Fargate: guaranteed QoS
        assert c["resources"]["requests"] == c["resources"]["limits"], c["name"]
    assert back["spec"]["template"]["metadata"]["annotations"]
    (install,) = pod["initContainers"]  # a Fargate tier installs from the wheelhouse too
    assert install["command"] == sample_app.INSTALL_DEPS
    wheelhouse = next(o for o in objects if o["metadata"]["name"] == "sample-wheelhouse")
    # on a node, where its NetworkPolicy is enforced (Fargate pods enforce none)
    assert "o11y-kit/compute" not in wheelhouse["spec"]["template"]["metadata"]["labels"]
    front = next(o for o in objects if o["metadata"]["name"] == "sample-front")
    assert "o11y-kit/compute" not in front["spec"]["template"]["metadata"]["labels"]
    assert manifests.validate(objects) == []


def test_vm_tiers_send_otlp_to_the_node_agents_node_local_service(evaluated):
    objects = _objects(evaluated("local"))
    service = next(
        o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "otel-node-agent"
    )
    assert service["metadata"]["namespace"] == "o11y-node"
    assert service["spec"]["internalTrafficPolicy"] == "Local"
    assert 4318 in {p["port"] for p in service["spec"]["ports"]}
    for name, pod in _pods(objects).items():
        if name in ("sample-loadgen", "sample-wheelhouse"):
            continue
        env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
            "http://otel-node-agent.o11y-node.svc.cluster.local:4318"
        )


def test_source_configmap_holds_the_app_files_and_the_hash_locked_requirements(evaluated):
    objects = _objects(evaluated("local"))
    (source,) = [o for o in objects if o["metadata"]["name"] == sample_app.SOURCE_CONFIG_MAP]
    # which files: tests/sample_app/test_app_sources.py derives them from the pods and the code
    for name, text in source["data"].items():
        assert text == (sample_app.SOURCE_DIR / name).read_text()
    assert "--hash=sha256:" in source["data"]["requirements.txt"]
    init = _pods(objects)["sample-front"]["initContainers"][0]
    assert "--require-hashes" in init["command"] and "--only-binary=:all:" in init["command"]


def test_tiers_wait_for_the_wheelhouse_then_install_from_it_alone():
    pods = _pods(sample_app_objects(ARGS))
    url = sample_app_wheelhouse.URL
    for tier in ("sample-front", "sample-middle", "sample-back"):
        (init,) = pods[tier]["initContainers"]
        assert init["command"][:3] == ["python", sample_app_wheelhouse.WAIT_SCRIPT, url]
        assert init["command"][-3:] == ["--no-index", "--find-links", url]
    (download,) = pods["sample-wheelhouse"]["initContainers"]
    assert download["command"] == sample_app_wheelhouse.DOWNLOAD
    assert "--require-hashes" in download["command"]
    (serve,) = pods["sample-wheelhouse"]["containers"]
    (wheels,) = [m for m in serve["volumeMounts"] if m["mountPath"] == "/wheels"]
    assert wheels["readOnly"] is True
    assert pods["sample-wheelhouse"]["automountServiceAccountToken"] is False


def test_front_is_private_by_default_and_a_restricted_load_balancer_when_cidrs_are_set(
    evaluated, evaluate
):
    def services(ev):
        return {
            o["metadata"]["name"]: o["spec"]
            for o in _objects(ev)
            if o["kind"] == "Service" and o["metadata"]["namespace"] == "o11y-app"
        }

    assert {s["type"] for s in services(evaluated("aks")).values()} == {"ClusterIP"}
    assert "port-forward svc/front" in evaluated("aks").outputs["front"]
    ev = evaluate("aks", frontendAllowedCidrs='["203.0.113.7/32"]')
    found = services(ev)
    assert found["front"]["type"] == "LoadBalancer"
    assert found["front"]["loadBalancerSourceRanges"] == ["203.0.113.7/32"]
    assert found["middle"]["type"] == found["back"]["type"] == "ClusterIP"
    assert ev.outputs["front"].startswith("http://")


def test_a_prebuilt_image_replaces_the_source_configmap_and_the_init_container():
    objects = sample_app_objects(
        SampleAppArgs(**{**ARGS.__dict__, "image": "ghcr.io/me/sample-app:1.0"})
    )
    assert not [o for o in objects if o["kind"] == "ConfigMap"]
    assert not [o for o in objects if "wheelhouse" in o["metadata"]["name"]]
    for o in objects:
        if o["kind"] == "Deployment":
            pod = o["spec"]["template"]["spec"]
            assert "initContainers" not in pod
            assert pod["containers"][0]["image"] == "ghcr.io/me/sample-app:1.0"
            _assert_restricted(pod)
    assert manifests.validate(objects) == []


def test_load_generator_rate_follows_config_and_zero_stops_it(evaluate):
    def loadgen(ev):
        return next(o for o in _objects(ev) if o["metadata"]["name"] == "sample-loadgen")

    ev = evaluate("local", loadRps=7)
    env = {
        e["name"]: e["value"]
        for e in loadgen(ev)["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["LOAD_RPS"] == "7" and env["LOAD_TARGET_URL"] == "http://front:8080/"
    assert loadgen(evaluate("local", loadRps=0))["spec"]["replicas"] == 0


def test_sample_app_can_be_turned_off(evaluate):
    ev = evaluate("local", sampleApp="false")
    assert not [o for o in _objects(ev) if o["metadata"].get("namespace") == "o11y-app"]
    assert ev.outputs["front"] == "sampleApp is off"


def test_the_real_fargate_back_pod_bills_in_the_smallest_one_gigabyte_class():
    """AWS rounding (max of init vs running requests, + 256 MB, next size up) of the pod the
    component builds, sidecar and init container included."""
    from components.platforms.eks.fargate_sizing import billed_size

    objects = sample_app_objects(
        SampleAppArgs(**{**ARGS.__dict__, "fargate_tiers": ("back",), "fargate_pod": fargate_pod})
    )
    back = next(o for o in objects if o["metadata"]["name"] == "sample-back")
    assert str(billed_size(back["spec"]["template"]["spec"])) == "0.25 vCPU / 1 GB"
