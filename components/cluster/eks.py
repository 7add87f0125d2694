"""eks: VPC, EKS control plane, an EC2 managed node group, a Fargate profile, a kube provider.

Raw pulumi-aws resources rather than the remote `eks.Cluster` component, so every resource is
visible (and testable) under Pulumi mocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import yaml

from components.cluster.base import KitCluster
from components.cluster.eks_network import EksNetwork, EksNetworkArgs
from components.settings import KitConfig

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# Pods matching this selector run on Fargate (namespace + label); the sample app sets the label
# on the tiers listed in `fargateTiers`.
FARGATE_NAMESPACE = "o11y-app"
FARGATE_LABEL = {"o11y-kit/compute": "fargate"}


@dataclass(frozen=True)
class EksClusterArgs:
    """What the EKS cluster looks like; defaults come from Pulumi.yaml via KitConfig."""

    cluster_name: str
    region: str
    kubernetes_version: str
    node_count: int
    instance_type: str
    log_retention_days: int
    fargate: bool


class EksCluster(KitCluster):
    """EKS with access entries (API mode, the deployer as cluster admin), STANDARD upgrade
    policy, control-plane logs into a log group the stack creates first (so `destroy` removes
    it), EC2 nodes in private subnets and, when asked, a Fargate profile.

    The kube provider depends on the node group, so every in-cluster object is created after
    the nodes and deleted before them, and LoadBalancer Services go before the VPC."""

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:cluster:Eks", name, None, opts)
        self.aws_provider = aws.Provider(
            f"{name}-aws", region=args.region, opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.aws_provider)
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.network = EksNetwork(
            f"{name}-net",
            EksNetworkArgs(cluster_name=args.cluster_name),
            opts=pulumi.ResourceOptions(parent=self, providers={"aws": self.aws_provider}),
        )
        cluster_role = _service_role(f"{name}-cluster", "eks.amazonaws.com", child)
        cluster_policy = _attach(cluster_role, "AmazonEKSClusterPolicy", partition, child)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{args.cluster_name}/cluster",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        self.cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=args.cluster_name,
            version=args.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config={
                "subnet_ids": self.network.private_subnet_ids + self.network.public_subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": True,
            },
            access_config={
                "authentication_mode": "API",
                "bootstrap_cluster_creator_admin_permissions": True,
            },
            upgrade_policy={"support_type": "STANDARD"},
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            opts=child.merge(pulumi.ResourceOptions(depends_on=[log_group, cluster_policy])),
        )
        node_role = _service_role(f"{name}-node", "ec2.amazonaws.com", child)
        node_policies = [
            _attach(node_role, policy, partition, child)
            for policy in (
                "AmazonEKSWorkerNodePolicy",
                "AmazonEKS_CNI_Policy",
                "AmazonEC2ContainerRegistryReadOnly",
            )
        ]
        self.node_group = aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=self.cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=self.network.private_subnet_ids,
            instance_types=[args.instance_type],
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="ON_DEMAND",
            scaling_config={
                "desired_size": args.node_count,
                "min_size": args.node_count,
                "max_size": args.node_count + 1,
            },
            update_config={"max_unavailable": 1},
            opts=child.merge(pulumi.ResourceOptions(depends_on=node_policies)),
        )
        ready: list[pulumi.Resource] = [self.node_group]
        self.has_fargate = args.fargate
        if args.fargate:
            ready.append(self._fargate_profile(name, partition, child))
        kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                self.cluster.endpoint, self.cluster.certificate_authority.data, self.cluster.name
            ).apply(lambda a: exec_kubeconfig(a[0], a[1], a[2], args.region))
        )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
        )
        self._finish(self.cluster.name, kubeconfig)

    def _fargate_profile(
        self, name: str, partition: pulumi.Output, child: pulumi.ResourceOptions
    ) -> aws.eks.FargateProfile:
        pod_role = _service_role(f"{name}-fargate-pods", "eks-fargate-pods.amazonaws.com", child)
        policy = _attach(pod_role, "AmazonEKSFargatePodExecutionRolePolicy", partition, child)
        return aws.eks.FargateProfile(
            f"{name}-fargate",
            cluster_name=self.cluster.name,
            pod_execution_role_arn=pod_role.arn,
            subnet_ids=self.network.private_subnet_ids,  # Fargate pods: private subnets only
            selectors=[{"namespace": FARGATE_NAMESPACE, "labels": FARGATE_LABEL}],
            opts=child.merge(pulumi.ResourceOptions(depends_on=[policy])),
        )


def exec_kubeconfig(endpoint: str, ca_data: str, cluster: str, region: str) -> str:
    """A kubeconfig that gets a fresh token from `aws eks get-token` on every use."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster,
                    "cluster": {"server": endpoint, "certificate-authority-data": ca_data},
                }
            ],
            "users": [
                {
                    "name": cluster,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                            "interactiveMode": "Never",
                        }
                    },
                }
            ],
            "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": cluster}}],
            "current-context": cluster,
        },
        sort_keys=False,
    )


def _service_role(name: str, service: str, opts: pulumi.ResourceOptions) -> aws.iam.Role:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps(trust), opts=opts)


def _attach(
    role: aws.iam.Role, policy: str, partition: pulumi.Output, opts: pulumi.ResourceOptions
) -> aws.iam.RolePolicyAttachment:
    """Attach an AWS-managed policy; the resource is named after the role and the policy."""
    return aws.iam.RolePolicyAttachment(
        f"{role.pulumi_resource_name}-{policy}",
        role=role.name,
        policy_arn=pulumi.Output.concat("arn:", partition.partition, ":iam::aws:policy/", policy),
        opts=opts,
    )


def build(config: KitConfig) -> EksCluster:
    """Registry entry: the eks stack's cluster from its config."""
    return EksCluster(
        config.name,
        EksClusterArgs(
            cluster_name=config.name,
            region=config.cluster.region,
            kubernetes_version=config.cluster.kubernetes_version,
            node_count=config.cluster.node_count,
            instance_type=config.cluster.vm_size,
            log_retention_days=config.log_retention_days,
            fargate=bool(config.cluster.fargate_tiers),
        ),
    )
