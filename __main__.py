"""o11y-kit: one `pulumi up` per stack gives a complete observability setup to learn from.

The story, in data-flow order (../design.md): config -> cluster -> namespaces -> outputs.
Every component takes typed args and the cluster's kube provider; none reads config itself.
"""

import pulumi

from components.cluster import CLUSTERS
from components.namespaces import KitNamespaces, KitNamespacesArgs
from components.settings import load_config

config = load_config()

cluster = CLUSTERS[config.cloud](config)
in_cluster = pulumi.ResourceOptions(providers={"kubernetes": cluster.provider})

namespaces = KitNamespaces("kit", KitNamespacesArgs(), opts=in_cluster)

pulumi.export("cloud", config.cloud)
pulumi.export("cluster", cluster.cluster_name)
pulumi.export("namespaces", namespaces.names)
if cluster.kubeconfig is not None:
    pulumi.export("kubeconfig", cluster.kubeconfig)
