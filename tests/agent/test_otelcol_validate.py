"""Every collector config the kit deploys, validated by the real collector (`make otelcol`).

For each shipped stack file, and the config variants that change what the agent runs
(fargateTiers middle+back, App Insights on aks / off elsewhere, an alert receiver), the program
is evaluated offline; every collector container it deploys (node DaemonSet, cluster
Deployment, on eks the Container Insights DaemonSet, the Fargate kubelet scraper and OTLP
gateway, the Fargate sidecar of each app pod) gets its ConfigMap, env and args, and
`otelcol-kit validate` must accept them. A failure shows the collector's own message.
"""

from __future__ import annotations

import pytest
import yaml

from agent.k8s import CONTAINER_NAME
from agent.labels import FARGATE_GATEWAY as GATEWAY
from agent.preset_catalog import APP_NAME_LABEL
from components.platforms.eks.container_insights_agent import CONTAINER_INSIGHTS_AGENT
from tests.agent.collector_pods import IRSA_CREDENTIALS, collector_pods
from tests.agent.otelcol import collector, resolve_env, validate
from tests.agent.stacks import VARIANTS, evaluation

pytestmark = pytest.mark.live


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_collector_config_passes_otelcol_validate(variant):
    binary = collector()
    pods = collector_pods(evaluation(variant))
    workloads = {pod.workload for pod in pods}
    expected = VARIANTS[variant][2]
    assert expected <= workloads, f"collector containers in {sorted(workloads)}"
    failures = [
        check.describe(pod) for pod in pods if (check := validate(pod, binary)).returncode != 0
    ]
    assert not failures, "\n\n".join(failures)


def _sidecar(variant: str):
    sidecars = [p for p in collector_pods(evaluation(variant)) if "K8S_APP_NAME" in p.env]
    assert sidecars, f"no {CONTAINER_NAME} sidecar with K8S_APP_NAME in {variant}"
    return sidecars[0]


def test_a_sidecar_pod_without_the_app_name_label_still_validates():
    """A pod without app.kubernetes.io/name (the downward API then gives "") must not stop
    its sidecar: service.name falls back to the app container's name."""
    binary = collector()
    pod = _sidecar("eks-fargate-back")
    pod.labels.pop(APP_NAME_LABEL)
    pod.env = resolve_env(pod.container, pod.namespace, "unlabelled-pod", pod.labels, {})
    assert pod.env["K8S_APP_NAME"] == ""
    check = validate(pod, binary)
    assert check.returncode == 0, check.describe(pod)


def test_without_default_value_the_collector_refuses_the_empty_app_name():
    """Why the service.name action has a default_value: without it, the same pod's sidecar
    fails to start (what an unlabelled pod did before)."""
    binary = collector()
    pod = _sidecar("eks-fargate-back")
    pod.env["K8S_APP_NAME"] = ""
    config = yaml.safe_load(pod.config)
    (action,) = [
        a for a in config["processors"]["resource/pod"]["attributes"] if a["key"] == "service.name"
    ]
    del action["default_value"]
    pod.config = yaml.safe_dump(config)
    check = validate(pod, binary)
    assert check.returncode != 0, check.describe(pod)
    assert 'error with key "service.name"' in check.output, check.output


def test_validate_refuses_an_unknown_key_and_shows_the_collectors_message():
    """The harness can fail: one misspelt key in a deployed config and the binary says where."""
    binary = collector()
    pod = next(p for p in collector_pods(evaluation("local")) if p.workload == "otel-node-agent")
    config = yaml.safe_load(pod.config)
    config["receivers"]["file_log"]["polll_interval"] = "1s"
    pod.config = yaml.safe_dump(config)
    check = validate(pod, binary)
    assert check.returncode != 0
    assert "file_log" in check.output and "polll_interval" in check.output, check.output


def test_the_container_insights_daemonset_config_is_checked_by_the_built_awsemf():
    """Its receiver is not buildable here (stood in); its awsemf exporter and the loopback
    health and self-metrics endpoints are the built collector's to judge, and a misspelt
    awsemf key fails."""
    binary = collector()
    (pod,) = [
        p
        for p in collector_pods(evaluation("eks-fargate-back"))
        if p.workload == CONTAINER_INSIGHTS_AGENT
    ]
    check = validate(pod, binary)
    assert check.returncode == 0, check.describe(pod)
    assert check.stood_in == ["awscontainerinsight"], check.stood_in
    config = yaml.safe_load(pod.config)
    config["exporters"]["awsemf/containerinsights"]["log_stream_nam"] = "{NodeName}"
    pod.config = yaml.safe_dump(config)
    check = validate(pod, binary)
    assert check.returncode != 0
    assert "log_stream_nam" in check.output, check.output


def test_a_collector_signing_for_xray_without_aws_credentials_does_not_start():
    """sigv4auth fetches credentials when its config is checked: a pod that lost its IRSA role
    fails at start (and in `validate`), which is why the harness gives IRSA pods credentials."""
    binary = collector()
    (pod,) = [p for p in collector_pods(evaluation("eks-fargate-back")) if p.workload == GATEWAY]
    assert validate(pod, binary).returncode == 0
    pod.env = {k: v for k, v in pod.env.items() if k not in IRSA_CREDENTIALS}
    pod.env["AWS_EC2_METADATA_DISABLED"] = "true"  # nor an instance role, on any machine
    check = validate(pod, binary)
    assert check.returncode != 0, check.describe(pod)
    assert "sigv4auth" in check.output, check.output
