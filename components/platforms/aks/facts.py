"""aks: the kit creates the cluster; Application Insights is read in the portal."""

from components.platforms.platform_facts import PlatformFacts

FACTS = PlatformFacts(
    creates_cluster=True,
    node_provider_id="azure://",
    console_hint=(
        "Application Insights (Logs): AppRequests | where TimeGenerated > ago(30m) "
        "| summarize count() by AppRoleName; Application map: pulumi stack output next_steps"
    ),
)
