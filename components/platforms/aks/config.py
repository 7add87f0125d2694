"""aks: the kit creates an AKS cluster and a Log Analytics workspace."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from components import config_formats as formats
from components.settings.common import elsewhere
from components.settings.fields import Integer, Strings, Text, also, each, int_range, matches
from components.settings.managed import ManagedSettings

_LOWEST, _LONGEST = 30, 730  # PerGB2018 workspace retention, days


class AksSettings(ManagedSettings):
    name: ClassVar[str] = "aks"
    region_format = formats.AZURE_LOCATION
    region_hint = "an Azure location such as japaneast"

    aks_vm_size: Annotated[
        Text, matches(formats.AZURE_VM_SIZE, "an Azure VM size such as Standard_D2s_v3")
    ] = Field(
        "Standard_D2s_v3", description="aks: VM size of the node pool (2 vCPU / 8 GiB by default)."
    )
    aks_api_server_allowed_cidrs: Annotated[
        Strings, each(formats.is_cidr, "a CIDR such as 203.0.113.7/32")
    ] = Field(
        [],
        description="aks: CIDRs allowed to reach the cluster's API server (authorized IP ranges); "
        "empty leaves it reachable from any address, behind Entra ID. List the address you "
        "deploy from, or pulumi cannot reach the cluster.",
        json_schema_extra=elsewhere(
            "an AKS API server setting, only used on aks; cloud is {cloud}"
        ),
    )
    log_daily_cap_gb: Annotated[Integer, int_range(0, 100)] = Field(
        0,
        description="aks: daily ingestion cap of the Log Analytics workspace in GB (0 means no "
        "cap; ingestion beyond the cap is dropped until the next day).",
        json_schema_extra=elsewhere("a Log Analytics setting, only used on aks; cloud is {cloud}"),
    )

    @property
    def vm_size(self) -> str:
        return self.aks_vm_size

    _log_analytics_retention = also(
        "log_retention_days",
        lambda days: _LOWEST <= days <= _LONGEST,
        f"Log Analytics allows {_LOWEST}-{_LONGEST} days on aks",
    )


MODEL = AksSettings
