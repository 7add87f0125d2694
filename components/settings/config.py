"""The stack's configuration as the components read it: frozen, typed, already validated."""

from __future__ import annotations

from dataclasses import dataclass

from components.settings.clouds import Cloud

PROJECT = "o11y-kit"


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


@dataclass(frozen=True)
class AppConfig:
    """The traced sample app and who may reach its front end."""

    enabled: bool
    load_rps: int
    frontend_allowed_cidrs: tuple[str, ...]
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
    # Absolute folder of the chart packages to install ($KIT_CHART_CACHE), or None: pull them.
    chart_cache: str | None = None

    @property
    def name(self) -> str:
        """Prefix of every cloud resource name, unique per stack."""
        return f"{PROJECT}-{self.stack}"
