"""o11y-kit: one `pulumi up` per stack gives a complete observability setup to learn from.

The story, in data-flow order (../shared/design.md): config -> cluster -> namespaces ->
in-cluster monitoring -> collector agent -> outputs. Every component takes typed args and the
cluster's kube provider; none reads config itself.
"""

import pulumi

import agent
from components import namespaces as ns
from components.agent import Agent, AgentArgs
from components.cluster import CLUSTERS
from components.monitoring import Monitoring, MonitoringArgs
from components.namespaces import KitNamespaces, KitNamespacesArgs
from components.settings import load_config

config = load_config()

cluster = CLUSTERS[config.cloud](config)
in_cluster = pulumi.ResourceOptions(providers={"kubernetes": cluster.provider})

namespaces = KitNamespaces("kit", KitNamespacesArgs(), opts=in_cluster)
after_namespaces = in_cluster.merge(pulumi.ResourceOptions(depends_on=[namespaces]))

monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(namespace=ns.MONITORING.name, managed_control_plane=config.cloud != "local"),
    opts=after_namespaces,
)

# The aks and eks agents also export to App Insights / CloudWatch and X-Ray, so they wait for
# those workspaces (and the collectors' cloud identities); until then only local runs the agent.
if config.cloud == "local":
    endpoints = monitoring.endpoints
    backends = agent.Backends(
        prometheus_otlp_url=endpoints.prometheus_otlp,
        trace_otlp_grpc_endpoint=endpoints.tempo_otlp_grpc,
        loki_otlp_url=endpoints.loki_otlp,
    )
    Agent(
        "agent",
        AgentArgs(namespace=ns.AGENT.name, cloud=agent.Cloud(config.cloud), backends=backends),
        opts=after_namespaces,
    )

pulumi.export("cloud", config.cloud)
pulumi.export("cluster", cluster.cluster_name)
pulumi.export("namespaces", namespaces.names)
pulumi.export("grafana_password", monitoring.grafana_password)
pulumi.export(
    "grafana",
    f"kubectl -n {ns.MONITORING.name} port-forward svc/{monitoring.endpoints.grafana_service} "
    "3000:80, then open http://localhost:3000 (user admin; password: "
    "pulumi stack output grafana_password --show-secrets)",
)
if cluster.kubeconfig is not None:
    pulumi.export("kubeconfig", cluster.kubeconfig)
