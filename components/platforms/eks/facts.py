"""eks: the kit creates the cluster; `kit verify` reads CloudWatch and X-Ray itself. The VPC
CNI gives pods, Fargate's too, addresses in the private subnets, as the nodes have."""

from components.platforms.eks.container_insights_agent import CONTAINER_INSIGHTS_AGENT
from components.platforms.eks.subnets import PRIVATE_CIDRS
from components.platforms.platform_facts import PlatformFacts

FACTS = PlatformFacts(
    creates_cluster=True,
    node_provider_id="aws://",
    pod_cidrs=PRIVATE_CIDRS,
    node_daemonsets=(CONTAINER_INSIGHTS_AGENT,),  # Container Insights, on the host network
)
