"""eks: the kit creates an EKS cluster, its VPC and CloudWatch log groups, and places sample-app
tiers on Fargate."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from components import config_formats as formats
from components import versions
from components.settings.common import elsewhere
from components.settings.fields import Strings, Text, also, each, matches
from components.settings.managed import ManagedSettings

# The front end is the public tier: the in-tree LoadBalancer targets node ports, which Fargate
# pods do not have, so only the inner tiers may run on Fargate.
FARGATE_TIERS = ("middle", "back")
# The values the CloudWatch Logs PutRetentionPolicy API accepts.
CLOUDWATCH_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
CLOUDWATCH_RETENTION += (2192, 2557, 2922, 3288, 3653)


def _unpinned_add_ons(version: str) -> list[str]:
    """The add-on tables the cluster indexes with the version that lack it: checked here, so no
    KeyError can come after the VPC and cluster are registered."""
    return [a for a, table in versions.EKS_ADDON_VERSIONS.items() if version not in table]


class EksSettings(ManagedSettings):
    name: ClassVar[str] = "eks"
    region_format = formats.AWS_REGION
    region_hint = "an AWS region such as ap-northeast-1"

    eks_instance_type: Annotated[
        Text, matches(formats.EC2_INSTANCE_TYPE, "an EC2 type like t3.large")
    ] = Field(
        "t3.large",
        description="eks: EC2 instance type of the managed node group (2 vCPU / 8 GiB by default).",
    )
    fargate_tiers: Annotated[
        Strings, each(lambda t: t in FARGATE_TIERS, f"one of {', '.join(FARGATE_TIERS)}")
    ] = Field(
        [],
        description="eks only: sample-app tiers (middle, back) placed on Fargate, with collector "
        "sidecars; eks needs at least one.",
        json_schema_extra=elsewhere("Fargate exists only on eks; cloud is {cloud}"),
    )

    @property
    def vm_size(self) -> str:
        return self.eks_instance_type

    _some_tier_on_fargate = also(
        "fargate_tiers",
        bool,
        "eks places at least one sample-app tier on Fargate (that is where the collector sidecars "
        f"run); allowed tiers are {', '.join(FARGATE_TIERS)}",
    )
    _add_ons_pinned = also(
        "kubernetes_version",
        lambda version: not _unpinned_add_ons(version),
        lambda version: (
            f"no EKS add-on version pinned for it ({', '.join(_unpinned_add_ons(version))}"
            " in components/versions.py EKS_ADDON_VERSIONS)"
        ),
    )
    _cloudwatch_retention = also(
        "log_retention_days",
        CLOUDWATCH_RETENTION.__contains__,
        f"CloudWatch Logs allows only {', '.join(map(str, CLOUDWATCH_RETENTION))}",
    )


MODEL = EksSettings
