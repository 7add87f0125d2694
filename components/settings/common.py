"""The keys every cloud reads. Each field is one key: its type and rule, default and description
(its line in the config table); `elsewhere` says why the key is refused on a cloud whose model
lacks it.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from components import config_formats as formats
from components import versions
from components.settings.fields import (
    Boolean,
    Integer,
    LineError,
    RuleError,
    Strings,
    Text,
    each,
    formatted,
    int_range,
    matches,
    one_of,
    rule,
)

MIN_MANAGED_NODES = 2  # the node-failure demo stops one node; monitoring must keep running
MAX_MANAGED_NODES = 10  # a trial kit; more is a typo or a surprise bill
MAX_LOAD_RPS = 50
MAX_RETENTION_DAYS = 3653  # ten years, the longest CloudWatch Logs keeps
SMTP_FIELDS = (
    "alert_smtp_smarthost",
    "alert_smtp_from",
    "alert_smtp_username",
    "alert_smtp_password",
)
SECRET = {"secret": True}  # a Pulumi secret: never echoed, never stored in clear
_VERSIONS = ", ".join(f"{c}: {v[0]}-{v[-1]}" for c, v in versions.MANAGED_K8S.items())


def elsewhere(why: str) -> dict[str, Any]:
    """Field extra: why the key is refused on a cloud whose model lacks it; `{cloud}` is
    replaced by the stack's cloud."""
    return {"elsewhere": why}


def _minor_version(value: str) -> str | None:
    if formats.K8S_MINOR.fullmatch(value):
        return None
    return f"must be a minor version such as '{versions.K8S_DEFAULT}', in quotes"


class CommonSettings(BaseModel):
    """The keys every cloud reads, with the rules that hold on every cloud."""

    model_config = ConfigDict(alias_generator=to_camel, validate_default=True)
    name: ClassVar[str] = ""  # the value of `cloud` that selects the model

    cloud: Text = Field(
        description="Where the cluster comes from: local (the current kube context), aks or eks. "
        "No default: an empty or new stack never deploys into the current kube context by "
        "accident."
    )
    kubernetes_version: Annotated[Text, rule(_minor_version)] = Field(
        versions.K8S_DEFAULT,
        description="aks/eks: Kubernetes minor version of the managed cluster, in quotes "
        f"({_VERSIONS}, from the clouds' calendars; components/versions.py).",
    )
    node_count: Annotated[
        Integer,
        int_range(1, MAX_MANAGED_NODES, f"{MIN_MANAGED_NODES}-{MAX_MANAGED_NODES} (aks/eks)"),
    ] = Field(
        2,
        description="aks/eks: VM nodes in the system pool / managed node group (2-10; 2 keeps "
        "monitoring up while one node is broken in the demo).",
    )
    # The receiver comes before the keys whose rules depend on it: a rule reads the keys above.
    alert_receiver: Annotated[Text, one_of("none", "webhook", "email")] = Field(
        "none",
        description="Where Alertmanager sends critical and warning alerts: none (Alertmanager UI "
        "only), webhook (alertWebhookUrl) or email (alertEmails via alertSmtp* settings).",
    )
    alert_emails: Annotated[Strings, each(formats.is_email, "an e-mail address")] = Field(
        [],
        description="E-mail addresses for the node-health alert on aks/eks (Azure action group / "
        "SNS subscription) and for Alertmanager when alertReceiver=email.",
    )
    alert_webhook_url: Text = Field(
        "",
        description="alertReceiver=webhook: the URL Alertmanager posts to; set it as a secret "
        "(pulumi config set --secret), URLs often carry a token.",
        json_schema_extra=SECRET,
    )
    alert_smtp_smarthost: Annotated[Text, formatted(formats.smarthost_problem)] = Field(
        "",
        description="alertReceiver=email: SMTP server as host:port, e.g. smtp.example.org:587 "
        "(TLS required).",
    )
    alert_smtp_from: Annotated[Text, matches(formats.EMAIL, "an e-mail address")] = Field(
        "", description="alertReceiver=email: sender address of the alert mails."
    )
    alert_smtp_username: Text = Field("", description="alertReceiver=email: SMTP user name.")
    alert_smtp_password: Text = Field(
        "",
        description="alertReceiver=email: SMTP password; set it as a secret (pulumi config set "
        "--secret).",
        json_schema_extra=SECRET,
    )
    frontend_open_to_internet: Boolean = Field(
        False,
        description="Must be true for frontendAllowedCidrs to span, merged, more than an IPv4 "
        "/8 or an IPv6 /11 (0.0.0.0/0, ::/0, or 0.0.0.0/1 with 128.0.0.0/1): acknowledges that "
        "anyone on the Internet can reach the front end (which ignores fault headers, but takes "
        "any load).",
    )
    log_retention_days: Annotated[Integer, int_range(1, MAX_RETENTION_DAYS)] = Field(
        30,
        description="aks/eks: retention of Log Analytics (30-730) or CloudWatch log groups (a "
        "value CloudWatch accepts).",
    )
    sample_app: Boolean = Field(
        True,
        description="Deploy the traced front -> middle -> back sample app and its load generator.",
    )
    sample_app_image: Annotated[Text, formatted(formats.pinned_image_problem)] = Field(
        "",
        description="A prebuilt sample-app image (built from sample-app/Dockerfile), pinned by "
        "tag or digest; empty runs the app's source on the pinned official Python image, with "
        "nothing to build, its dependencies installed from an in-cluster wheelhouse (the only "
        "pod of the app that reaches the Internet).",
    )
    load_rps: Annotated[Integer, int_range(0, MAX_LOAD_RPS)] = Field(
        2,
        description="Requests per second the in-cluster load generator sends to the front end "
        "(0 stops it, at most 50).",
    )

    @property
    def vm_size(self) -> str:
        """The size of the VMs the kit creates; none where it creates none."""
        return ""

    @field_validator("alert_webhook_url")
    @classmethod
    def _webhook_only_for_webhook(cls, url: str, info: ValidationInfo) -> str:
        receiver = info.data.get("alert_receiver")
        if receiver == "webhook" and not url:
            raise LineError("alertWebhookUrl: required when alertReceiver is webhook.")
        if receiver == "webhook" and (problem := formats.url_problem(url)):
            raise RuleError(problem, url)  # shown as [secret]
        if receiver not in (None, "webhook") and url:
            raise LineError(
                f"alertWebhookUrl: only used when alertReceiver is webhook, not {receiver}."
            )
        return url

    @field_validator(*SMTP_FIELDS)
    @classmethod
    def _smtp_only_for_email(cls, value: str, info: ValidationInfo) -> str:
        receiver = info.data.get("alert_receiver")
        if receiver not in (None, "email") and value:
            raise RuleError(f"only used when alertReceiver is email, not {receiver}", value)
        return value

    @field_validator(SMTP_FIELDS[-1])
    @classmethod
    def _email_needs_smtp(cls, last: str, info: ValidationInfo) -> str:
        """Runs on the last SMTP key, when the others have been read."""
        if info.data.get("alert_receiver") != "email":
            return last
        given = {**info.data, SMTP_FIELDS[-1]: last}
        missing = [to_camel(f) for f in SMTP_FIELDS if given.get(f) == ""]
        if info.data.get("alert_emails") == []:
            missing.insert(0, "alertEmails")
        if missing:
            raise LineError(
                f"alertReceiver = 'email' needs {', '.join(missing)} (alertSmtpPassword as a "
                "secret)."
            )
        return last
