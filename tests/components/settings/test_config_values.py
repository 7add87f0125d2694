"""Bad input that used to pass validation (issue 13 item 6 and its siblings): every pattern is
matched whole and with ASCII classes, URLs and smarthosts are parsed, ports range-checked, and
every value that indexes a pinned table is checked against that table before any resource."""

from __future__ import annotations

import pytest

from components import versions
from components.settings import ConfigError, load_declarations, parse_config
from kit.plan import offline

DECLARED = load_declarations()
AKS = {"cloud": "aks", "region": "japaneast"}
EKS = {"cloud": "eks", "region": "us-east-1", "fargateTiers": '["back"]'}
EMAIL = {
    "alertReceiver": "email",
    "alertEmails": '["ops@example.com"]',
    "alertSmtpSmarthost": "smtp.example.com:587",
    "alertSmtpFrom": "kit@example.com",
    "alertSmtpUsername": "kit",
    "alertSmtpPassword": "pw",
}
WEBHOOK = {"alertReceiver": "webhook"}


def problems(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_config({"cloud": "local", **raw}, "x", DECLARED)
    return err.value.problems


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({**AKS, "kubernetesVersion": "1.35\n"}, "kubernetesVersion"),
        ({**AKS, "kubernetesVersion": "1.３５"}, "kubernetesVersion"),  # full-width digits
        ({**AKS, "kubernetesVersion": "1.٣٥"}, "kubernetesVersion"),  # Arabic-Indic digits
        ({**EKS, "region": "us-east-1\n"}, "region"),
        ({**EKS, "region": "us-east-１"}, "region"),
        ({**AKS, "region": "japaneast\n"}, "region"),
        ({**AKS, "aksVmSize": "Standard_D2s_v3\n"}, "aksVmSize"),
        ({**EKS, "eksInstanceType": "t3.large\n"}, "eksInstanceType"),
        ({**EKS, "eksInstanceType": "t３.large"}, "eksInstanceType"),
        ({**AKS, "alertEmails": '["ops@example.com\\n"]'}, "alertEmails"),
        ({**AKS, "alertEmails": '["ops@exa mple.com"]'}, "alertEmails"),
        ({**AKS, "alertEmails": '["ops@example.com\\u3000"]'}, "alertEmails"),
        ({**EMAIL, "alertSmtpFrom": "kit@example.com\n"}, "alertSmtpFrom"),
        ({**EMAIL, "alertSmtpSmarthost": "smtp.example.com:587\n"}, "alertSmtpSmarthost"),
        ({**EMAIL, "alertSmtpSmarthost": "smtp.example.com:0"}, "alertSmtpSmarthost"),
        ({**EMAIL, "alertSmtpSmarthost": "smtp.example.com:65536"}, "alertSmtpSmarthost"),
        ({**EMAIL, "alertSmtpSmarthost": "smtp.example.com:５８７"}, "alertSmtpSmarthost"),
        ({**EMAIL, "alertSmtpSmarthost": "smtp.example.com"}, "alertSmtpSmarthost"),
        ({**EMAIL, "alertSmtpSmarthost": "-bad-.example.com:25"}, "alertSmtpSmarthost"),
        ({"sampleAppImage": "ghcr.io/me/app:v1\n"}, "sampleAppImage"),
        ({"sampleAppImage": "ghcr.io/me/app:latest"}, "sampleAppImage"),
        ({"sampleAppImage": "ghcr.io/me/app"}, "sampleAppImage"),
        ({"sampleAppImage": "ghcr.io/Me/app:v1"}, "sampleAppImage"),
        ({"sampleAppImage": "ghcr.io/me/app@sha256:abc"}, "sampleAppImage"),
        ({**AKS, "frontendAllowedCidrs": '["10.0.0.0/8\\n"]'}, "frontendAllowedCidrs"),
        ({**AKS, "frontendAllowedCidrs": '["１0.0.0.0/8"]'}, "frontendAllowedCidrs"),
    ],
)
def test_values_with_trailing_newlines_or_non_ascii_digits_are_refused(raw, key):
    found = problems(raw)
    assert len(found) == 1, found
    assert found[0].startswith(f"{key} = "), found


@pytest.mark.parametrize(
    "url",
    [
        "https://",
        "https:///path",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/x\n",
        " https://hooks.example.com/x",
        "https://hooks.example.com:0/x",
        "https://hooks.example.com:70000/x",
        "https://hooks.exämple.com/x",
        "ftp://hooks.example.com/x",
        "hooks.example.com/x",
    ],
)
def test_webhook_urls_are_parsed_scheme_host_and_port_and_never_echoed(url):
    (found,) = problems({**WEBHOOK, "alertWebhookUrl": url})
    assert found.startswith("alertWebhookUrl = [secret]: ")
    assert "hooks" not in found


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/x?token=a", "http://10.0.0.5:9093/hook", "https://[::1]:8443/x"],
)
def test_well_formed_webhook_urls_pass(url):
    config = parse_config({"cloud": "local", **WEBHOOK, "alertWebhookUrl": url}, "x", DECLARED)
    assert config.alerting.webhook_url == url


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/me/app:v1.0-RC",  # upper case is allowed in tags
        "registry.example.com:5000/team/app:2026.11.29_build-7",
        "localhost:5000/app:dev1",
        "me/app:1",
        "app@sha256:" + "a" * 64,
    ],
)
def test_pinned_image_references_pass(image):
    config = parse_config({"cloud": "local", "sampleAppImage": image}, "x", DECLARED)
    assert config.app.image == image


@pytest.mark.parametrize("host", ["smtp.example.com:465", "192.0.2.25:25", "[2001:db8::25]:587"])
def test_well_formed_smarthosts_pass(host):
    config = parse_config({"cloud": "local", **EMAIL, "alertSmtpSmarthost": host}, "x", DECLARED)
    assert config.alerting.smtp_smarthost == host


def test_every_supported_eks_version_has_its_add_ons_pinned():
    for version in versions.MANAGED_K8S["eks"]:
        for addon, table in versions.EKS_ADDON_VERSIONS.items():
            assert version in table, f"{addon} has no pin for {version}"


def test_an_eks_version_without_pinned_add_ons_fails_before_any_resource(monkeypatch):
    """A version in the supported range but missing from the add-on table used to raise
    KeyError after the VPC, NAT gateway and cluster were registered."""
    monkeypatch.setitem(versions.MANAGED_K8S, "eks", ("1.35", "1.36", "1.37"))
    monitor = offline.RecordingMonitor(offline.RecordingMocks())
    with pytest.raises(ConfigError) as err:
        offline.evaluate("eks", {"kubernetesVersion": "1.37"}, monitor=monitor)
    (problem,) = err.value.problems
    assert problem.startswith("kubernetesVersion = '1.37': no EKS add-on version pinned for it")
    assert monitor.registered == []


def test_supported_ranges_sit_inside_the_schema_checked_range():
    low, high = (int(v.split(".")[1]) for v in (versions.K8S_OLDEST, versions.K8S_NEWEST))
    for supported in versions.MANAGED_K8S.values():
        assert all(low <= int(v.split(".")[1]) <= high for v in supported)
    assert all(versions.K8S_DEFAULT in s for s in versions.MANAGED_K8S.values())


def test_an_unquoted_version_that_lost_its_zero_says_to_quote_it():
    (found,) = problems({**AKS, "kubernetesVersion": "1.3"})
    assert found.startswith("kubernetesVersion = '1.3': aks clusters are supported from 1.35")
    assert 'YAML reads an unquoted 1.30 as the number 1.3: write "1.30"' in found


def test_keys_in_a_foreign_namespace_are_refused_with_the_fix():
    with pytest.raises(ConfigError) as err:
        parse_config({"cloud": "local"}, "x", DECLARED, foreign_keys=["o11ykit:nodeCount"])
    (found,) = err.value.problems
    assert found.startswith("o11ykit:nodeCount: namespace 'o11ykit' is neither this project's")
    assert found.endswith("Did you mean o11y-kit:nodeCount?")


def test_the_real_program_refuses_a_foreign_prefixed_key_and_accepts_provider_keys():
    with pytest.raises(ConfigError, match="o11ykit:nodeCount: namespace 'o11ykit'"):
        offline.evaluate("local", {"o11ykit:nodeCount": "3"})
    assert offline.evaluate("local", {"kubernetes:enableServerSideApply": "true"}).resources


def test_every_managed_version_stays_creatable_for_the_next_months():
    """Each supported minor stays creatable at least three months past the day the clouds'
    calendars were read, and the default is one of them on both clouds."""
    year, month = map(int, versions.CALENDARS_READ.split("-"))
    soonest = f"{year + (month + 2) // 12}-{(month + 2) % 12 + 1:02d}"
    for cloud, until in versions.CREATABLE_UNTIL.items():
        for version, last in until.items():
            assert last >= soonest, (cloud, version, last)
        assert versions.K8S_DEFAULT in until
