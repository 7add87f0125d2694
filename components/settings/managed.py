"""The keys and rules every managed cloud shares: one whose cluster the kit creates."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from components import config_formats as formats
from components import versions
from components.settings.common import (
    MAX_MANAGED_NODES,
    MIN_MANAGED_NODES,
    CommonSettings,
    elsewhere,
)
from components.settings.fields import LineError, RuleError, Strings, Text, each
from policy.kit_rules import cidrs as cidrs_rule


class ManagedSettings(CommonSettings):
    """The keys and rules of every cloud whose cluster the kit creates."""

    region_format: ClassVar[re.Pattern[str]]
    region_hint: ClassVar[str]  # what a region looks like, with an example

    region: Text = Field(
        "",
        description="aks/eks: Azure location (e.g. japaneast) or AWS region (e.g. "
        "ap-northeast-1); required there, not allowed on local.",
        json_schema_extra=elsewhere(
            "only used on aks and eks; cloud is {cloud} (the local stack has no cloud region)"
        ),
    )
    frontend_allowed_cidrs: Annotated[
        Strings, each(formats.is_cidr, "a CIDR such as 203.0.113.7/32")
    ] = Field(
        [],
        description="aks/eks: CIDRs allowed to reach the sample app's front end through a "
        "LoadBalancer; empty keeps it private (port-forward). Together, merged, they may span at "
        "most an IPv4 /8 and an IPv6 /11 (1/256 of each family's public space) unless "
        "frontendOpenToInternet is true.",
        json_schema_extra=elsewhere(
            "only used on aks and eks; cloud is {cloud} (the local stack has no load balancer)"
        ),
    )

    @field_validator("region")
    @classmethod
    def _region(cls, region: str) -> str:
        if not region:
            raise LineError(f"region = '': required on {cls.name}; {cls.region_hint}.")
        if not cls.region_format.fullmatch(region):
            raise RuleError(f"not {cls.region_hint}", region)
        return region

    @field_validator("node_count")
    @classmethod
    def _enough_nodes(cls, count: int) -> int:
        if count < MIN_MANAGED_NODES:
            raise RuleError(
                f"{cls.name} needs at least {MIN_MANAGED_NODES} nodes so monitoring keeps "
                "running while the demo breaks one; allowed range is "
                f"{MIN_MANAGED_NODES}-{MAX_MANAGED_NODES}",
                count,
            )
        return count

    @field_validator("kubernetes_version")
    @classmethod
    def _supported_version(cls, version: str) -> str:
        supported = versions.MANAGED_K8S[cls.name]
        if version not in supported:
            what = (
                f"{cls.name} clusters are supported from {supported[0]} to {supported[-1]} "
                "(components/versions.py)"
            )
            if len(version) == 3:
                # An unquoted 1.30 is the number 1.3 to YAML and JSON readers (Pulumi ESC
                # environments, `--path` values): the quotes keep the trailing zero.
                zero = f"{version}0"
                what += f'. YAML reads an unquoted {zero} as the number {version}: write "{zero}"'
            raise RuleError(what, version)
        return version

    @field_validator("frontend_allowed_cidrs")
    @classmethod
    def _open_only_when_acknowledged(cls, cidrs: list[str], info: ValidationInfo) -> list[str]:
        """Ranges that together span much of a family put the front end on the Internet: only
        when the stack says so (the policy pack judges the Service with the same function)."""
        wide = cidrs_rule.internet_wide(cidrs)
        if wide and info.data.get("frontend_open_to_internet") is False:
            raise RuleError(
                f"{cidrs_rule.spans(wide)}: that opens the front end to the Internet; list "
                f"your own addresses (e.g. 203.0.113.7/32; at most {cidrs_rule.WIDEST} in all), "
                "or set frontendOpenToInternet: true to confirm",
                cidrs,
            )
        return cidrs
