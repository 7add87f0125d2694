"""o11y-kit: one `pulumi up` per stack gives a complete observability setup to learn from.

The story, in data-flow order (../shared/design.md): config -> cluster (and, on aks, its
workspace) -> namespaces -> in-cluster monitoring -> collector agent -> alerts -> outputs.
Every component takes typed args and the cluster's kube provider; none reads config itself.
"""

import pulumi

from components import agent as agent_component
from components import alerts_aks, sample_app
from components import namespaces as ns
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

workspace = getattr(cluster, "workspace", None)  # aks: Log Analytics + App Insights
agent_component.build(config, ns.AGENT.name, monitoring.endpoints, workspace, after_namespaces)

app = sample_app.build(config, ns.APP.name, ns.AGENT.name, after_namespaces)

if config.cloud == "aks":
    alerts_aks.build(config, workspace.resource_group.name, cluster.cluster.id)

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
pulumi.export("front", app.front_url if app else "sampleApp is off")
pulumi.export("next_steps", cluster.next_steps)
if cluster.kubeconfig is not None:
    pulumi.export("kubeconfig", cluster.kubeconfig)
