"""aks: what the platform adds to the agent (agent/cloud_patch.py): traces to Application
Insights, with the Secret holding its connection string."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.cloud_patch import Addition, CloudPatch, ModePatch
from components.platforms.aks.exporters import AzureBackends, app_insights


def cloud_patch(
    azure: AzureBackends, secrets: Mapping[str, Mapping[str, Any]] | None = None
) -> CloudPatch:
    """The node agent sends traces to App Insights too; `secrets` (name -> data) are created
    where a collector reads them."""
    node = ModePatch(additions=(Addition(app_insights(azure), joins=("traces",)),))
    return CloudPatch(node=node, secrets=secrets or {})
