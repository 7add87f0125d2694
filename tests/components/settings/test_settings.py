"""Config validation: every rule fails with a message naming the key, the value and what is
allowed; all problems are reported at once; nothing is registered when config is wrong."""

from __future__ import annotations

import subprocess
import sys
from typing import get_args

import pytest
import yaml

from components import versions
from components.settings import CLOUDS, Cloud, ConfigError, load_declarations, parse_config
from kit.plan import offline
from tests.helpers import ROOT

DECLARED = load_declarations()


AKS = {"cloud": "aks", "region": "japaneast"}
EKS = {"cloud": "eks", "region": "us-east-1", "fargateTiers": '["back"]'}


def problems(stack: str = "local", unknown=(), **raw) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_config({"cloud": "local", **raw}, stack, DECLARED, list(unknown))
    assert not [p for p in err.value.problems if p.endswith("..")]
    return err.value.problems


def only(stack: str = "local", **raw) -> str:
    found = problems(stack, **raw)
    assert len(found) == 1, found
    return found[0]


def test_defaults_from_pulumi_yaml_give_a_valid_local_stack():
    config = parse_config({"cloud": "local"}, "local", DECLARED)
    assert config.cloud == "local"
    assert config.cluster.kubernetes_version == versions.K8S_DEFAULT
    assert config.app.enabled is True
    assert config.name == "o11y-kit-local"


def test_values_arrive_as_strings_and_become_typed():
    config = parse_config(
        {
            "cloud": "eks",
            "region": "us-west-2",
            "nodeCount": "3",
            "sampleApp": "false",
            "fargateTiers": '["middle", "back"]',
            "alertEmails": '["ops@example.com"]',
        },
        "eks",
        DECLARED,
    )
    assert config.cluster.node_count == 3
    assert config.app.enabled is False
    assert config.cluster.fargate_tiers == ("middle", "back")
    assert config.cluster.vm_size == "t3.large"  # eksInstanceType on eks
    assert config.alerting.emails == ("ops@example.com",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"cloud": "gke"}, "cloud = 'gke': allowed values are local, aks, eks."),
        ({"nodeCount": "two"}, "nodeCount = 'two': not a valid integer."),
        ({"sampleApp": "yes"}, "sampleApp = 'yes': not a valid boolean (true or false)."),
        ({"alertEmails": "ops@example.com"}, "alertEmails = 'ops@example.com': not a valid list"),
        ({"loadRps": "51"}, "loadRps = 51: allowed range is 0-50."),
        ({"nodeCount": "50"}, "nodeCount = 50: allowed range is 2-10 (aks/eks)."),
        ({"kubernetesVersion": "v1.35"}, "kubernetesVersion = 'v1.35': must be a minor version"),
        ({"aksVmSize": "D2s_v3"}, "aksVmSize = 'D2s_v3': not an Azure VM size"),
        ({"eksInstanceType": "large"}, "eksInstanceType = 'large': not an EC2 type"),
    ],
)
def test_each_key_rule_names_key_value_and_what_is_allowed(raw, expected):
    assert only(**raw).startswith(expected)


def test_unknown_key_suggests_the_close_one():
    (found,) = problems(unknown=["nodecount"])
    assert found.startswith("nodecount: unknown key; did you mean 'nodeCount'?")


def test_list_entries_are_checked_one_by_one():
    found = only("aks", **AKS, frontendAllowedCidrs='["10.0.0.1", "1.2.3.0/24"]')
    assert found == (
        "frontendAllowedCidrs = ['10.0.0.1', '1.2.3.0/24']: '10.0.0.1' not a CIDR such as "
        "203.0.113.7/32."
    )
    assert "more than once" in only("eks", **{**EKS, "fargateTiers": '["back", "back"]'})
    assert "'front' not one of middle, back" in only("eks", **{**EKS, "fargateTiers": '["front"]'})


def test_every_problem_is_reported_at_once_cross_key_rules_included():
    found = problems(cloud="aks", nodeCount="x", loadRps="-1", unknown=["colud"])
    assert len(found) == 4  # the per-key problems and aks's missing region, in one round
    assert any(p.startswith("colud: unknown key; did you mean 'cloud'?") for p in found)
    assert "region = '': required on aks; an Azure location such as japaneast." in found
    # a rule across keys skips a key that did not parse (nodeCount), rather than guess
    assert not any("needs at least" in p for p in found)


def test_a_missing_cloud_is_refused_so_an_empty_stack_never_deploys_into_the_kube_context():
    with pytest.raises(ConfigError) as err:
        parse_config({}, "aks", DECLARED)
    (problem,) = err.value.problems
    assert problem.startswith("cloud: required, not set.")
    assert DECLARED["cloud"].default is None  # the Pulumi CLI refuses the stack as well


@pytest.mark.parametrize(
    ("stack", "raw", "expected"),
    [
        ("local", {"fargateTiers": '["back"]'}, "fargateTiers = ['back']: Fargate exists only on eks; cloud is local."),
        ("aks", {**AKS, "fargateTiers": '["back"]'}, "fargateTiers = ['back']: Fargate exists only on eks; cloud is aks."),
        ("eks", {**EKS, "fargateTiers": "[]"}, "fargateTiers = []: eks places at least one"),
        ("aks", {**AKS, "nodeCount": "1"}, "nodeCount = 1: aks needs at least 2 nodes"),
        ("aks", {**AKS, "kubernetesVersion": "1.34"}, "kubernetesVersion = '1.34': aks clusters are supported from 1.35 to 1.37 (components/versions.py)."),
        ("eks", {**EKS, "kubernetesVersion": "1.37"}, "kubernetesVersion = '1.37': eks clusters are supported from 1.35 to 1.36"),
        ("eks", {**EKS, "kubernetesVersion": "1.34"}, "kubernetesVersion = '1.34': eks clusters are supported from 1.35 to 1.36"),
        ("aks", {**AKS, "eksInstanceType": "m5.large"}, "eksInstanceType = 'm5.large': only used on eks; cloud is aks."),
        ("eks", {**EKS, "aksVmSize": "Standard_D4s_v5"}, "aksVmSize = 'Standard_D4s_v5': only used on aks; cloud is eks."),
        ("aks", {"cloud": "aks"}, "region = '': required on aks; an Azure location such as japaneast."),
        ("eks", {**EKS, "region": "Tokyo"}, "region = 'Tokyo': not an AWS region"),
        ("local", {"region": "japaneast"}, "region = 'japaneast': only used on aks and eks; cloud is local"),
        ("local", {"alertEmails": '["a@b.co"]'}, "alertEmails = ['a@b.co']: only used on aks and eks"),
        ("local", {"frontendAllowedCidrs": '["1.2.3.4/32"]'}, "frontendAllowedCidrs = ['1.2.3.4/32']: only used on aks"),
        ("local", {"kubeconfig": "/nonexistent/kubeconfig"}, "kubeconfig = '/nonexistent/kubeconfig': no such file."),
        ("aks", {**AKS, "context": "kind-kind"}, "context = 'kind-kind': only used on local"),
        ("aks", {**AKS, "logRetentionDays": "7"}, "logRetentionDays = 7: Log Analytics allows 30-730 days on aks."),
        ("eks", {**EKS, "logRetentionDays": "31"}, "logRetentionDays = 31: CloudWatch Logs allows only 1, 3, 5"),
    ],
)  # fmt: skip
def test_cross_key_rules(stack, raw, expected):
    assert only(stack, **raw).startswith(expected)


def test_error_message_names_the_stack_and_how_to_fix_it():
    with pytest.raises(ConfigError) as err:
        parse_config({"cloud": "gke"}, "dev", DECLARED)
    text = str(err.value)
    assert "stack 'dev': 1 configuration problem(s); nothing was created." in text
    assert "pulumi config set --stack dev <key> <value>" in text
    assert "stacks/Pulumi.dev.yaml" in text


def test_bad_config_fails_the_real_program_before_any_resource_is_registered():
    monitor = offline.RecordingMonitor(offline.RecordingMocks())
    with pytest.raises(ConfigError) as err:
        offline.evaluate("eks", {"nodeCount": 1, "fargateTiers": []}, monitor=monitor)
    assert len(err.value.problems) == 2
    assert monitor.registered == []


def test_typo_in_a_stack_key_is_caught_by_the_real_program():
    with pytest.raises(ConfigError, match="nodecount: unknown key; did you mean 'nodeCount'"):
        offline.evaluate("local", {"nodecount": 3})


def test_kubernetes_version_declaration_matches_the_pinned_ranges():
    decl = DECLARED["kubernetesVersion"]
    assert decl.default == versions.K8S_DEFAULT
    for cloud, supported in versions.MANAGED_K8S.items():
        assert f"{cloud}: {supported[0]}-{supported[-1]}" in decl.description


def test_each_alert_receiver_needs_its_settings_and_secrets_are_never_echoed():
    assert only(alertReceiver="webhook") == (
        "alertWebhookUrl: required when alertReceiver is webhook."
    )
    assert only(alertReceiver="webhook", alertWebhookUrl="ftp://x") == (
        "alertWebhookUrl = [secret]: not an http(s) URL."
    )
    assert only(alertReceiver="email").startswith(
        "alertReceiver = 'email' needs alertEmails, alertSmtpSmarthost, alertSmtpFrom, "
        "alertSmtpUsername, alertSmtpPassword"
    )
    found = only(alertSmtpPassword="hunter2")
    assert found == "alertSmtpPassword = [secret]: only used when alertReceiver is email, not none."
    assert "hunter2" not in found
    assert only(alertReceiver="pagerduty").startswith(
        "alertReceiver = 'pagerduty': allowed values are none, webhook, email."
    )


def test_secrets_stored_in_clear_are_refused():
    with pytest.raises(ConfigError) as err:
        parse_config(
            {"cloud": "local", "alertReceiver": "webhook", "alertWebhookUrl": "https://x.io/a"},
            "local",
            DECLARED,
            secrets_in_clear=["alertWebhookUrl"],
        )
    (problem,) = err.value.problems
    assert problem == (
        "alertWebhookUrl: stored in clear in the stack's config; set it with "
        "`pulumi config set --secret alertWebhookUrl <value>`."
    )
    assert "x.io" not in str(err.value)


def test_the_real_program_refuses_a_webhook_url_that_is_not_secret(monkeypatch):
    from kit.plan import offline

    monkeypatch.setattr(offline, "SECRET_KEYS", ())  # as if set without --secret
    with pytest.raises(ConfigError, match="alertWebhookUrl: stored in clear"):
        offline.evaluate("local", {"alertReceiver": "webhook", "alertWebhookUrl": "https://x.io/"})


def test_alertmanager_may_mail_alert_emails_on_local():
    config = parse_config(
        {
            "cloud": "local",
            "alertReceiver": "email",
            "alertEmails": '["ops@example.com"]',
            "alertSmtpSmarthost": "smtp.example.com:587",
            "alertSmtpFrom": "kit@example.com",
            "alertSmtpUsername": "kit",
            "alertSmtpPassword": "pw",
        },
        "local",
        DECLARED,
    )
    assert config.alerting.emails == ("ops@example.com",)
    assert "pw" not in repr(config)


def test_under_the_engine_a_config_error_is_a_run_error_shown_without_traceback():
    """pulumi-language-python-exec logs a pulumi.RunError's message alone; anything else
    comes with the program's stack trace."""
    import pulumi

    from components.settings import shown_as_run_error

    err = ConfigError("local", ["loadRps = 999: allowed range is 0-50."])
    shown = shown_as_run_error(err)
    assert isinstance(shown, pulumi.RunError) and isinstance(shown, ConfigError)
    assert str(shown) == str(err) and shown.problems == err.problems


def test_pulumi_yaml_declares_every_schema_key_with_its_type_and_default():
    """The Pulumi CLI fills in defaults and refuses a stack without `cloud` from Pulumi.yaml."""
    block = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert set(block) == set(DECLARED)
    for key, decl in DECLARED.items():
        assert block[key]["type"] == decl.type, key
        assert block[key].get("default") == decl.default, key


def test_every_cloud_has_a_config_model():
    assert get_args(Cloud) == CLOUDS


@pytest.mark.live
def test_the_project_name_comes_without_loading_the_schema():
    """The cluster CLI imports PROJECT and declared_value at start; pydantic waits for a use."""
    code = (
        "import sys\nfrom components.settings import PROJECT, declared_value\n"
        "assert 'pydantic' not in sys.modules, 'the schema loaded on import'\n"
        "assert declared_value('sampleApp', 'false') is False"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_an_unknown_cloud_still_has_every_key_checked_by_its_own_rule():
    found = problems(cloud="gke", aksVmSize="D2s_v3", loadRps="99", region="japaneast")
    assert sorted(found) == [
        "aksVmSize = 'D2s_v3': not an Azure VM size such as Standard_D2s_v3.",
        "cloud = 'gke': allowed values are local, aks, eks.",
        "loadRps = 99: allowed range is 0-50.",
    ]
