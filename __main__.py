"""o11y-kit: one `pulumi up` per stack gives a complete observability setup to learn from.

The story, in data-flow order (docs/design.md): config -> the cloud's platform: cluster and
workspace -> namespaces -> in-cluster monitoring -> collector agent (with the platform's patch)
-> alerts -> outputs. Every component takes typed args and the cluster's kube provider; none
reads config itself. Each cloud lives in components/platforms/<cloud>/.
"""

import pulumi

from components import collector_agent, network_policies, sample_app
from components import monitoring as monitoring_component
from components import namespaces as ns
from components.namespaces import KitNamespaces, KitNamespacesArgs
from components.platforms import platform
from components.settings import load_config

config = load_config()
cloud = platform(config.cloud)

cluster = cloud.cluster(config)
in_cluster = pulumi.ResourceOptions(providers={"kubernetes": cluster.provider})

namespaces = KitNamespaces("kit", KitNamespacesArgs(), opts=in_cluster)
after_namespaces = in_cluster.merge(pulumi.ResourceOptions(depends_on=[namespaces]))

monitoring = monitoring_component.build(
    config, (ns.MONITORING.name, ns.APP.name, ns.AGENT.name, ns.NODE.name), after_namespaces
)

workspace = cloud.workspace(config, cluster)  # none | Log Analytics | CloudWatch
# The collectors start once their cloud permissions and log groups exist.
after_workspace = after_namespaces.merge(
    pulumi.ResourceOptions(depends_on=[workspace] if workspace else [])
)
backends = collector_agent.in_cluster_backends(monitoring.endpoints)
agent = collector_agent.build(
    (ns.AGENT.name, ns.NODE.name),
    backends,
    cloud.agent_patch(cluster, workspace, backends, ns.AGENT.name, ns.APP.name),
    after_workspace,
)
after_agent = after_namespaces.merge(pulumi.ResourceOptions(depends_on=[agent]))
app = sample_app.build(config, ns.APP.name, (ns.AGENT.name, ns.NODE.name), after_agent, cluster)
network_policies.build(
    config,
    cluster,
    (ns.MONITORING.name, ns.AGENT.name, ns.NODE.name, ns.APP.name),
    after_namespaces,
)
alerts = cloud.alerts(config, cluster, workspace, agent)

pulumi.export("cloud", config.cloud)
pulumi.export("cluster", cluster.cluster_name)
pulumi.export("namespaces", namespaces.names)
pulumi.export("grafana_password", monitoring.grafana_password)
pulumi.export(
    "grafana",
    f"python -m kit open grafana --stack {config.stack} (port-forwards, prints the URL and "
    "where the password is). By hand: point kubectl at the cluster (aks/eks: the credentials "
    f"command in next_steps), kubectl -n {ns.MONITORING.name} port-forward "
    f"svc/{monitoring.endpoints.grafana_service} 3000:80, open http://localhost:3000 as admin "
    "with the password from PULUMI_BACKEND_URL=file://$PWD/.pulumi-state pulumi stack output "
    f"grafana_password --show-secrets --stack {config.stack}",
)
pulumi.export("front", app.front_url if app else "sampleApp is off")
if app and app.front_address is not None:
    pulumi.export("front_service_ip", app.front_address)
pulumi.export("next_steps", cloud.next_steps(cluster, workspace, alerts))
if cluster.kubeconfig is not None:
    pulumi.export("kubeconfig", cluster.kubeconfig)
