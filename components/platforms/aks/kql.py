"""Ready-to-paste KQL for the aks walkthrough (Log Analytics > Logs, or Application Insights >
Logs for the App Insights tables). Table and column names: Azure Monitor Logs reference."""

KQL_QUERIES = {
    "container_logs": (
        "ContainerLogV2 | where TimeGenerated > ago(30m) | where PodNamespace == 'o11y-app' "
        "| project TimeGenerated, PodName, ContainerName, LogMessage | order by TimeGenerated desc"
    ),
    "app_logs_for_a_trace": (
        "ContainerLogV2 | where TimeGenerated > ago(1h) | where PodNamespace == 'o11y-app' "
        "| extend trace_id = tostring(LogMessage.trace_id) | where trace_id == '<trace id>'"
    ),
    "pods": (
        "KubePodInventory | where TimeGenerated > ago(15m) "
        "| summarize arg_max(TimeGenerated, PodStatus, Computer) by Namespace, Name"
    ),
    "nodes": (
        "KubeNodeInventory | where TimeGenerated > ago(15m) "
        "| summarize arg_max(TimeGenerated, Status) by Computer"
    ),
    # Node CPU and memory are Perf counters of object K8SNode (InsightsMetrics holds disk and
    # network); CPU in nanocores, so / 1e9 gives cores.
    "node_cpu_memory": (
        "Perf | where TimeGenerated > ago(1h) | where ObjectName == 'K8SNode' "
        "| where CounterName in~ ('cpuUsageNanoCores', 'memoryWorkingSetBytes') "
        "| summarize avg(CounterValue) by bin(TimeGenerated, 5m), Computer, CounterName"
    ),
    "requests": (
        "AppRequests | where TimeGenerated > ago(30m) "
        "| summarize count(), percentile(DurationMs, 95), countif(Success == false) "
        "by AppRoleName, bin(TimeGenerated, 5m)"
    ),
    "dependencies": (
        "AppDependencies | where TimeGenerated > ago(30m) "
        "| summarize count(), avg(DurationMs) by AppRoleName, Target"
    ),
}
