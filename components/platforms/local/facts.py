"""local: the kit deploys into a cluster it did not create and must never delete."""

from components.platforms.platform_facts import PlatformFacts

FACTS = PlatformFacts(creates_cluster=False)
