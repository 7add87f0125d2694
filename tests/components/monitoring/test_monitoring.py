"""In-cluster monitoring: pinned Helm releases, the Grafana password as a secret, datasources
linked both ways, and control-plane scrapes only where the control plane is reachable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from components import versions
from components.settings import ChartCacheError, chart_cache_folder
from kit.plan.offline import Secret
from tests.helpers import STACK_NAMES

RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET = "kubernetes:core/v1:Secret"
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"


def tests_cache() -> Path:
    """The packages the tests render (../shared/charts, built from the charts' tagged sources)."""
    return Path(os.environ["KIT_CHART_CACHE"])


def releases(ev) -> dict[str, dict]:
    return {r.inputs["name"]: r.inputs for r in ev.of_type(RELEASE)}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_chart_is_the_pinned_version_from_its_repository(evaluated, stack):
    found = releases(evaluated(stack))
    for chart in (
        versions.KUBE_PROMETHEUS_STACK_CHART,
        versions.LOKI_CHART,
        versions.TEMPO_CHART,
    ):
        release = found[chart.release]
        cache = Path(os.environ["KIT_CHART_CACHE"]).resolve()
        # the tests run with a chart cache: the program installs the very packages plan checked
        assert (release["chart"], release["version"]) == (f"{cache}/{chart.package}", chart.version)
        assert "repositoryOpts" not in release
        assert release["namespace"] == "o11y-monitoring"


def test_without_a_chart_cache_variable_the_default_cache_is_checked(monkeypatch, tmp_path):
    """Never the repository at `up`: unset, the cache is the folder `make charts` fills."""
    shared = tests_cache()
    monkeypatch.delenv("KIT_CHART_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ChartCacheError, match=r"not in the chart cache .*o11y-kit/charts"):
        chart_cache_folder(None)
    cache = tmp_path / ".cache" / "o11y-kit" / "charts"
    cache.mkdir(parents=True)
    for chart in versions.CHARTS:
        (cache / chart.package).symlink_to(shared / chart.package)
    assert chart_cache_folder(None) == str(cache)


def test_a_package_with_another_sha256_is_refused_in_one_line(tmp_path):
    for chart in versions.CHARTS:
        (tmp_path / chart.package).symlink_to(tests_cache() / chart.package)
    (tmp_path / versions.TEMPO_CHART.package).unlink()
    (tmp_path / versions.TEMPO_CHART.package).write_bytes(b"a tampered package")
    with pytest.raises(ChartCacheError) as err:
        chart_cache_folder(str(tmp_path))
    (line,) = str(err.value).splitlines()
    refused = "not a pinned package (sha256 is none of components/versions.py's) in the chart"
    assert f"{refused} cache {tmp_path}: {versions.TEMPO_CHART.package}" in line
    assert versions.LOKI_CHART.package not in line


def test_every_pinned_chart_accepts_the_repositorys_and_the_source_built_package():
    for chart in versions.CHARTS:
        assert len(chart.digests) == 2 and all(len(d) == 64 for d in chart.digests)
        assert versions.file_sha256(tests_cache() / chart.package) in chart.digests


def test_a_chart_cache_without_the_pinned_packages_is_one_line(tmp_path):
    (tmp_path / versions.LOKI_CHART.package).write_bytes(b"")
    with pytest.raises(ChartCacheError) as err:
        chart_cache_folder(str(tmp_path))
    (line,) = str(err.value).splitlines()
    assert line.startswith(f"not in the chart cache {tmp_path}: ")
    assert versions.KUBE_PROMETHEUS_STACK_CHART.package in line
    assert versions.TEMPO_CHART.package in line
    # the empty Loki file is there but is not a pinned package
    assert f"in the chart cache {tmp_path}: {versions.LOKI_CHART.package}; delete it" in line


def test_grafana_password_is_generated_kept_in_a_secret_and_exported_as_secret(evaluated):
    ev = evaluated("local")
    (secret,) = [s for s in ev.of_type(SECRET) if s.inputs["metadata"]["name"] == "grafana-admin"]
    string_data = secret.inputs["stringData"]
    assert isinstance(string_data, Secret)  # the whole Secret payload travels as a secret
    password = string_data.value["admin-password"]
    assert len(password) >= 16
    assert isinstance(ev.outputs["grafana_password"], Secret)
    assert ev.outputs["grafana_password"].value == password
    grafana = releases(ev)["kps"]["values"]["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    assert password not in json.dumps(releases(ev), default=str)
    assert "adminPassword" not in json.dumps(grafana)


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_grafanas_role_is_the_kits_and_reads_only_configmaps(evaluated, stack):
    """The chart's own Role adds `secrets` to whatever its sidecars need, so the chart makes no
    RBAC and the kit binds Grafana to its own Role (tests/kit/plan/test_rendered_charts.py
    follows the binding from the rendered Deployment's account)."""
    ev = evaluated(stack)
    assert releases(ev)["kps"]["values"]["grafana"]["rbac"] == {"create": False}
    (role,) = [r.inputs for r in ev.of_type(ROLE) if "grafana" in r.inputs["metadata"]["name"]]
    (binding,) = [
        r.inputs for r in ev.of_type(ROLE_BINDING) if "grafana" in r.inputs["metadata"]["name"]
    ]
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "o11y-monitoring"
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}
    ]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "kps-grafana", "namespace": "o11y-monitoring"}
    ]


def test_grafana_is_not_exposed_and_the_outputs_say_how_to_reach_it(evaluated):
    ev = evaluated("aks")
    assert releases(ev)["kps"]["values"]["grafana"]["service"]["type"] == "ClusterIP"
    assert "port-forward svc/kps-grafana 3000:80" in ev.outputs["grafana"]


@pytest.mark.parametrize("stack", ["local", "aks", "eks"])
def test_no_scrape_of_control_plane_parts_that_no_stack_exposes(evaluated, stack):
    """Managed control planes hide them; kind/minikube bind them to 127.0.0.1; k3s has no pods.
    Scraping them would fire TargetDown and Kube*Down on a healthy cluster."""
    values = releases(evaluated(stack))["kps"]["values"]
    for part in ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"):
        assert values[part] == {"enabled": False}
    assert values.get("kubeApiServer", {}).get("enabled", True)  # reachable everywhere


@pytest.mark.parametrize("stack", ["local", "aks", "eks"])
def test_the_kubelet_service_the_operator_keeps_is_in_the_monitoring_namespace(evaluated, stack):
    """The operator never deletes it: in kube-system it outlived `pulumi destroy`. Both values
    move together, or the kubelet ServiceMonitor would look where the Service is not."""
    values = releases(evaluated(stack))["kps"]["values"]
    assert values["prometheusOperator"]["kubeletService"]["namespace"] == "o11y-monitoring"
    assert values["kubelet"]["namespace"] == "o11y-monitoring"


def test_prometheus_takes_otlp_from_the_agent_and_remote_write_from_tempo(evaluated):
    ev = evaluated("local")
    spec = releases(ev)["kps"]["values"]["prometheus"]["prometheusSpec"]
    assert spec["enableOTLPReceiver"] is True
    assert "k8s.node.name" in spec["otlp"]["promoteResourceAttributes"]
    assert spec["enableRemoteWriteReceiver"] is True
    assert spec["tsdb"] == {"outOfOrderTimeWindow": "30m"}  # replayed OTLP batches are kept
    assert spec["retention"] and spec["retentionSize"]
    tempo = releases(ev)["tempo"]["values"]["tempo"]
    assert tempo["metricsGenerator"] == {
        "enabled": True,
        "remoteWriteUrl": "http://kps-prometheus.o11y-monitoring.svc.cluster.local:9090/api/v1/write",
    }
    assert tempo["overrides"]["defaults"]["metrics_generator"]["processors"] == [
        "service-graphs",
        "span-metrics",
    ]


def test_traces_and_logs_link_to_each_other_in_grafana(evaluated):
    sources = releases(evaluated("local"))["kps"]["values"]["grafana"]["additionalDataSources"]
    by_uid = {s["uid"]: s for s in sources}
    assert by_uid["tempo"]["jsonData"]["tracesToLogsV2"]["datasourceUid"] == "loki"
    assert by_uid["tempo"]["jsonData"]["serviceMap"]["datasourceUid"] == "prometheus"
    (field,) = by_uid["loki"]["jsonData"]["derivedFields"]
    assert field["datasourceUid"] == "tempo" and field["matcherRegex"] == "trace_id"


def test_loki_keeps_bounded_logs_and_accepts_otlp(evaluated):
    loki = releases(evaluated("local"))["loki"]["values"]
    assert loki["deploymentMode"] == "Monolithic"
    limits = loki["loki"]["limits_config"]
    assert limits["allow_structured_metadata"] is True  # OTLP attributes land there
    assert limits["retention_period"] == "72h"
    assert loki["loki"]["compactor"]["retention_enabled"] is True
    assert loki["singleBinary"]["replicas"] == 1


def _alertmanager(ev) -> dict:
    return releases(ev)["kps"]["values"]["alertmanager"]


def test_without_a_receiver_alerts_stay_in_alertmanager(evaluated):
    ev = evaluated("local")
    config = _alertmanager(ev)["config"]
    assert [r["name"] for r in config["receivers"]] == ["null"]
    assert "secrets" not in _alertmanager(ev)["alertmanagerSpec"]
    assert not [s for s in ev.of_type(SECRET) if "alertmanager" in s.name]


def test_webhook_receiver_reads_its_url_from_a_mounted_secret(evaluate):
    url = "https://hooks.example.com/services/T0K3N"
    ev = evaluate("local", alertReceiver="webhook", alertWebhookUrl=url)
    (secret,) = [s for s in ev.of_type(SECRET) if s.name.endswith("alert-receiver")]
    assert isinstance(secret.inputs["stringData"], Secret)
    assert secret.inputs["stringData"].value == {"url": url}
    alertmanager = _alertmanager(ev)
    assert alertmanager["alertmanagerSpec"]["secrets"] == ["alertmanager-receiver"]
    (hook,) = [r for r in alertmanager["config"]["receivers"] if r["name"] == "o11y-kit"]
    assert hook["webhook_configs"][0]["url_file"] == (
        "/etc/alertmanager/secrets/alertmanager-receiver/url"
    )
    routed = {m for r in alertmanager["config"]["route"]["routes"] for m in r["matchers"]}
    assert {'severity = "critical"', 'severity = "warning"'} <= routed
    assert url not in json.dumps(releases(ev), default=str)


def test_email_receiver_mails_alert_emails_through_the_configured_smtp_server(evaluate):
    ev = evaluate(
        "local",
        alertReceiver="email",
        alertEmails='["ops@example.com"]',
        alertSmtpSmarthost="smtp.example.com:587",
        alertSmtpFrom="kit@example.com",
        alertSmtpUsername="kit",
        alertSmtpPassword="s3cret-pass",
    )
    config = _alertmanager(ev)["config"]
    (mail,) = [r for r in config["receivers"] if r["name"] == "o11y-kit"]
    email = mail["email_configs"][0]
    assert (email["to"], email["from"], email["smarthost"]) == (
        "ops@example.com",
        "kit@example.com",
        "smtp.example.com:587",
    )
    assert email["auth_password_file"].endswith("/alertmanager-receiver/smtp-password")
    assert "s3cret-pass" not in json.dumps(releases(ev), default=str)


def test_tempo_fits_its_memory_limit(evaluated):
    """The chart passes -mem-ballast-size-mbs (default 1024) to Tempo: with a 1 GiB limit the
    ballast alone would fill it. No ballast; GOMEMLIMIT below the limit instead."""
    from kubernetes.utils import parse_quantity

    tempo = releases(evaluated("local"))["tempo"]["values"]["tempo"]
    assert tempo["memBallastSizeMbs"] == 0
    (env,) = [e for e in tempo["extraEnv"] if e["name"] == "GOMEMLIMIT"]
    limit = parse_quantity(tempo["resources"]["limits"]["memory"])
    assert env["value"].endswith("MiB")  # Go syntax, not a Kubernetes quantity
    assert limit / 2 < parse_quantity(env["value"].removesuffix("B")) < limit
