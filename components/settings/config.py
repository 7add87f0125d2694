"""The stack's configuration as the components read it: frozen, typed, already validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

PROJECT = "o11y-kit"
Cloud = Literal["local", "aks", "eks"]  # the keys of clouds.MODELS
# Config namespaces a stack file may hold besides the project's own: the providers the program
# uses and Pulumi's own settings (e.g. `pulumi:tags`). Anything else is a typo of the project name
# (`o11ykit:nodeCount`) that Pulumi would pass on without a word.
PROVIDER_NAMESPACES = ("aws", "azure-native", "kubernetes", "pulumi")


class ConfigError(ValueError):
    """Every problem found in the stack's configuration, one per line."""

    def __init__(self, stack: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"stack {stack!r}: {len(problems)} configuration problem(s); nothing was created.\n"
            f"{lines}\nFix them with `pulumi config set --stack {stack} <key> <value>` (or edit "
            f"stacks/Pulumi.{stack}.yaml) and run again."
        )


@dataclass(frozen=True)
class Declaration:
    """One config key as Pulumi.yaml declares it and the config table shows it."""

    key: str
    type: str
    default: Any  # None: required
    description: str


@dataclass(frozen=True)
class ClusterConfig:
    """Where the cluster comes from and how big it is."""

    region: str
    kubeconfig: str | None
    context: str | None
    kubernetes_version: str
    node_count: int
    vm_size: str  # the Azure VM size on aks, the EC2 instance type on eks
    fargate_tiers: tuple[str, ...]
    api_server_allowed_cidrs: tuple[str, ...] = ()  # aks: authorized IP ranges; empty is any


@dataclass(frozen=True)
class AppConfig:
    """The traced sample app and who may reach its front end."""

    enabled: bool
    load_rps: int
    frontend_allowed_cidrs: tuple[str, ...]
    frontend_open_to_internet: bool  # the stack accepts ranges that span much of the Internet
    image: str | None  # None: source from a ConfigMap on the pinned Python image


@dataclass(frozen=True)
class AlertingConfig:
    """Who hears about alerts: e-mails for the cloud alert, and Alertmanager's receiver."""

    emails: tuple[str, ...]
    receiver: str  # none | webhook | email
    webhook_url: str | None  # secret
    smtp_smarthost: str
    smtp_from: str
    smtp_username: str
    smtp_password: str | None  # secret

    def __repr__(self) -> str:  # the secrets must not reach a log or a traceback
        return f"AlertingConfig(emails={self.emails!r}, receiver={self.receiver!r}, ...)"


@dataclass(frozen=True)
class KitConfig:
    """The whole stack's configuration; the only object components are built from."""

    stack: str
    cloud: Cloud
    cluster: ClusterConfig
    app: AppConfig
    alerting: AlertingConfig
    log_retention_days: int
    log_daily_cap_gb: int
    # Absolute folder of the sha256-checked chart packages to install (settings.chart_cache_folder).
    chart_cache: str | None = None

    @property
    def name(self) -> str:
        """Prefix of every cloud resource name, unique per stack."""
        return f"{PROJECT}-{self.stack}"
