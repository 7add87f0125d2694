"""eks: the kit creates the cluster; `kit verify` reads CloudWatch and X-Ray itself."""

from components.platforms.platform_facts import PlatformFacts

FACTS = PlatformFacts(creates_cluster=True, node_provider_id="aws://")
