"""aks: the collector's traces to Application Insights (delivery: agent/exporters.py)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.preset import Preset


@dataclass(frozen=True)
class AzureBackends:
    """Application Insights (workspace-based). The connection string never enters the config:
    it reaches the collector as env APPLICATIONINSIGHTS_CONNECTION_STRING from this Secret."""

    connection_string_secret: str
    connection_string_key: str = "connection-string"


APP_INSIGHTS_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING"
# Within the pods' 30 s termination grace period (agent/k8s.py), leaving time for the others.
APP_INSIGHTS_SHUTDOWN_TIMEOUT = "20s"


def app_insights(azure: AzureBackends) -> Preset:
    """Traces to Application Insights. Container logs are not sent: on AKS the Container
    Insights add-on already ships them to Log Analytics, and twice would be billed twice."""
    secret = {"name": azure.connection_string_secret, "key": azure.connection_string_key}
    return Preset(
        exporters={
            "azuremonitor": {
                "connection_string": f"${{env:{APP_INSIGHTS_ENV}}}",
                "shutdown_timeout": APP_INSIGHTS_SHUTDOWN_TIMEOUT,
                "sending_queue": {"enabled": True, "num_consumers": 4, "queue_size": 1000},
            }
        },
        env=({"name": APP_INSIGHTS_ENV, "valueFrom": {"secretKeyRef": secret}},),
    )
