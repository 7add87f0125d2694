"""local: the kit deploys into an existing cluster, reached through a kube context."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from components.settings.common import CommonSettings, elsewhere
from components.settings.fields import RuleError, Text, also

_ONLY_LOCAL = elsewhere(
    "only used on local; on {cloud} the kit builds the kubeconfig from the cluster it creates"
)


class LocalSettings(CommonSettings):
    name: ClassVar[str] = "local"

    kubeconfig: Text = Field(
        "",
        description="local only: path to a kubeconfig file; empty means the default "
        "($KUBECONFIG or ~/.kube/config).",
        json_schema_extra=_ONLY_LOCAL,
    )
    context: Text = Field(
        "",
        description="local only: kube context to use; empty means the kubeconfig's current "
        "context.",
        json_schema_extra=_ONLY_LOCAL,
    )

    _existing_file = also(
        "kubeconfig",
        lambda path: not path or Path(path).expanduser().is_file(),
        "no such file",
    )

    @field_validator("alert_emails")
    @classmethod
    def _emails_only_for_alertmanager(cls, emails: list[str], info: ValidationInfo) -> list[str]:
        if emails and info.data.get("alert_receiver") != "email":
            raise RuleError(
                "only used on aks and eks; cloud is local (the local stack has no action group; "
                "alertReceiver=email has Alertmanager mail them)",
                emails,
            )
        return emails


MODEL = LocalSettings
