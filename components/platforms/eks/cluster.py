"""eks: VPC, EKS control plane, core add-ons, the IAM OIDC provider (IRSA), an EC2 managed node
group, Fargate profiles and a kube provider.

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

from agent.labels import FARGATE_LABEL
from components import namespaces, versions
from components.platforms.base_cluster import KitCluster
from components.platforms.eks import fargate_sidecar, log_groups
from components.platforms.eks.network import PUBLIC_CIDRS, EksNetwork, EksNetworkArgs
from components.settings import KitConfig

# IMDSv2 one hop only: no pod in its own network namespace can take the node role's credentials.
IMDS_HOP_LIMIT = 1
# The VPC CNI's service account: its own IRSA role holds AmazonEKS_CNI_Policy, not the node role
# (EKS user guide, "Configure Amazon VPC CNI plugin to use IRSA").
VPC_CNI_SERVICE_ACCOUNT = ("kube-system", "aws-node")
# The VPC CNI enforces NetworkPolicies once its add-on is given this value (EKS user guide,
# "Restrict Pod network traffic with Kubernetes network policies", step 2: a string "true").
# EC2 Linux nodes only: "You can't apply the policies to Fargate or Windows nodes"
# (EKS user guide, "Configure your cluster for Kubernetes network policies", Considerations).
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# Pods matching this selector run on Fargate (namespace + label); the sample app sets the label
# on the tiers listed in `fargateTiers`.
FARGATE_SELECTORS = ({"namespace": namespaces.APP.name, "labels": FARGATE_LABEL},)
# IRSA: the audience the pods' projected tokens carry (EKS user guide, "Create an IAM OIDC
# provider for your cluster").
STS_AUDIENCE = "sts.amazonaws.com"
# Core add-ons pinned (components/versions.py). No eks-pod-identity-agent: IRSA is the only way
# credentials reach Fargate pods, so it serves every collector.
ADDONS_BEFORE_NODES = ("vpc-cni", "kube-proxy")  # DaemonSets: nodes boot with the pinned ones
ADDONS_AFTER_NODES = ("coredns",)  # a Deployment: degraded (and `up` waits) until nodes exist


@dataclass(frozen=True)
class EksClusterArgs:
    """What the EKS cluster looks like; defaults come from Pulumi.yaml via KitConfig."""

    cluster_name: str
    region: str
    kubernetes_version: str
    node_count: int
    instance_type: str
    log_retention_days: int
    # One Fargate profile per selector group (at most five selectors each); EKS creates and
    # deletes profiles one at a time, so they are chained. Empty: no Fargate.
    fargate_profiles: tuple[tuple[dict, ...], ...] = ()


class EksCluster(KitCluster):
    """EKS (the deployer as admin), its log group created first so `destroy` removes it, pinned
    add-ons, IRSA, private EC2 nodes and Fargate profiles. The kube provider depends on all of
    them, so every in-cluster object is deleted before the nodes and the VPC."""

    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]  # https://oidc.eks.<region>.amazonaws.com/id/<id>
    addons: dict[str, aws.eks.Addon]
    fargate_profiles: list[aws.eks.FargateProfile]

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:cluster:Eks", name, None, opts)
        self.aws_provider = aws.Provider(
            f"{name}-aws", region=args.region, opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.aws_provider)
        partition = aws.get_partition_output(
            opts=pulumi.InvokeOutputOptions(parent=self, provider=self.aws_provider)
        )
        self.network = EksNetwork(
            f"{name}-net",
            EksNetworkArgs(cluster_name=args.cluster_name),
            opts=pulumi.ResourceOptions(parent=self, providers={"aws": self.aws_provider}),
        )
        cluster_role = _service_role(f"{name}-cluster", "eks.amazonaws.com", child)
        cluster_policy = _attach(cluster_role, "AmazonEKSClusterPolicy", partition, child)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=log_groups.log_group("control_plane", args.cluster_name),
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
        self.oidc_issuer = self.cluster.identities[0].oidcs[0].issuer
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=self.oidc_issuer,
            client_id_lists=[STS_AUDIENCE],
            opts=child,
        )
        self.oidc_provider_arn = oidc.arn
        cni_role = aws.iam.Role(
            f"{name}-vpc-cni-role",
            assume_role_policy=pulumi.Output.all(oidc.arn, self.oidc_issuer).apply(
                lambda a: json.dumps(irsa_trust_policy(a[0], a[1], *VPC_CNI_SERVICE_ACCOUNT))
            ),
            opts=child,
        )
        cni_policy = _attach(cni_role, "AmazonEKS_CNI_Policy", partition, child)
        addon_settings = {
            "vpc-cni": {
                "service_account_role_arn": cni_role.arn,
                "configuration_values": json.dumps(VPC_CNI_CONFIGURATION),
            }
        }
        before_nodes = child.merge(pulumi.ResourceOptions(depends_on=[cni_policy]))
        self.addons = {
            addon: self._addon(
                name, addon, args.kubernetes_version, before_nodes, **addon_settings.get(addon, {})
            )
            for addon in ADDONS_BEFORE_NODES
        }
        node_role = _service_role(f"{name}-node", "ec2.amazonaws.com", child)
        node_policies = [
            _attach(node_role, policy, partition, child)
            for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
        ]
        # Nodes and Fargate pods pull images through the NAT gateway: wait for the whole network
        # on create, and on destroy leave it in place until they (and all in-cluster objects,
        # through the kube provider) are gone.
        compute_after = [self.network, *node_policies, *self.addons.values()]
        node_template = aws.ec2.LaunchTemplate(
            f"{name}-nodes",
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": IMDS_HOP_LIMIT,
            },
            opts=child,
        )
        self.node_group = aws.eks.NodeGroup(
            f"{name}-nodes",
            launch_template={
                "id": node_template.id,
                "version": node_template.latest_version.apply(str),
            },
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
            opts=child.merge(pulumi.ResourceOptions(depends_on=compute_after)),
        )
        after_nodes = child.merge(pulumi.ResourceOptions(depends_on=[self.node_group]))
        for addon in ADDONS_AFTER_NODES:
            self.addons[addon] = self._addon(name, addon, args.kubernetes_version, after_nodes)
        self.fargate_profiles = []
        if args.fargate_profiles:
            # arn:<partition>:eks:<region>:<account>:fargateprofile/<cluster>/*
            profiles = self.cluster.arn.apply(
                lambda arn: arn.replace(":cluster/", ":fargateprofile/", 1) + "/*"
            )
            pod_role = _service_role(
                f"{name}-fargate-pods", "eks-fargate-pods.amazonaws.com", child, profiles
            )
            policy = _attach(pod_role, "AmazonEKSFargatePodExecutionRolePolicy", partition, child)
            self.fargate_profiles = chain_fargate_profiles(
                f"{name}-fargate",
                FargateProfilesArgs(
                    cluster_name=self.cluster.name,
                    pod_execution_role_arn=pod_role.arn,
                    subnet_ids=self.network.private_subnet_ids,
                    selector_groups=args.fargate_profiles,
                ),
                child.merge(pulumi.ResourceOptions(depends_on=[self.network, policy])),
            )
        self.has_fargate = bool(self.fargate_profiles)
        self.fargate_pod = fargate_sidecar.fargate_pod if self.has_fargate else None
        # A LoadBalancer Service is a Classic ELB (no AWS Load Balancer Controller), a proxy
        # whose public-subnet addresses the pods see (Kubernetes docs, "Using Source IP"); its
        # source ranges are enforced on the ELB. No pod gets a public-subnet address: nodes and
        # Fargate profiles are in the private subnets.
        self.load_balancer_cidrs = PUBLIC_CIDRS
        kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                self.cluster.endpoint, self.cluster.certificate_authority.data, self.cluster.name
            ).apply(lambda a: exec_kubeconfig(a[0], a[1], a[2], args.region))
        )
        ready = [self.node_group, *self.fargate_profiles, *self.addons.values()]
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
        )
        self._finish(
            self.cluster.name,
            kubeconfig,
            {"oidc_issuer": self.oidc_issuer, "oidc_provider_arn": self.oidc_provider_arn},
        )

    def _addon(
        self,
        name: str,
        addon: str,
        kubernetes_version: str,
        opts: pulumi.ResourceOptions,
        **settings: pulumi.Input[str],
    ) -> aws.eks.Addon:
        """An EKS add-on at the version pinned for the cluster's Kubernetes version (a new build
        is a reviewed change, never a surprise in an unrelated `pulumi up`); OVERWRITE takes over
        the copy EKS bootstrapped, with the kit's `settings` (role, configuration values)."""
        version = versions.EKS_ADDON_VERSIONS[addon][kubernetes_version]
        return aws.eks.Addon(
            f"{name}-{addon}",
            cluster_name=self.cluster.name,
            addon_name=addon,
            addon_version=version,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            opts=opts,
            **settings,
        )


@dataclass(frozen=True)
class FargateProfilesArgs:
    """What every profile of a cluster shares, and one selector group per profile."""

    cluster_name: pulumi.Input[str]
    pod_execution_role_arn: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    selector_groups: tuple[tuple[dict, ...], ...]


def chain_fargate_profiles(
    name: str, args: FargateProfilesArgs, opts: pulumi.ResourceOptions
) -> list[aws.eks.FargateProfile]:
    """One profile per selector group, each depending on the previous: EKS rejects a create
    while another profile is CREATING (ResourceInUseException) and deletes them one at a time,
    and the chain makes `destroy` go in reverse order too."""
    profiles: list[aws.eks.FargateProfile] = []
    for i, selectors in enumerate(args.selector_groups):
        previous = pulumi.ResourceOptions(depends_on=profiles[-1:])
        profiles.append(
            aws.eks.FargateProfile(
                name if i == 0 else f"{name}-{i}",
                cluster_name=args.cluster_name,
                pod_execution_role_arn=args.pod_execution_role_arn,
                subnet_ids=args.subnet_ids,  # Fargate pods: private subnets only
                selectors=list(selectors),
                opts=opts.merge(previous),
            )
        )
    return profiles


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


def irsa_trust_policy(
    provider_arn: str, issuer_url: str, namespace: str, *service_accounts: str
) -> dict:
    """Web-identity trust for the given service accounts of one namespace."""
    return irsa_trust(provider_arn, issuer_url, [(namespace, sa) for sa in service_accounts])


def irsa_trust(provider_arn: str, issuer_url: str, accounts: list[tuple[str, str]]) -> dict:
    """Web-identity trust for the given (namespace, name) service accounts (EKS user guide,
    "Assign IAM roles to Kubernetes service accounts"). Condition keys name the issuer without
    its scheme."""
    issuer = issuer_url.removeprefix("https://")
    subjects = [f"system:serviceaccount:{namespace}:{sa}" for namespace, sa in accounts]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{issuer}:sub": subjects, f"{issuer}:aud": STS_AUDIENCE}
                },
            }
        ],
    }


def _service_role(
    name: str,
    service: str,
    opts: pulumi.ResourceOptions,
    source_arn: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """A role an AWS service assumes; `source_arn` limits it to calls on behalf of matching
    resources (the confused-deputy guard the EKS user guide puts on the Fargate role)."""

    def trust(arn: str | None) -> str:
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }
        if arn:
            statement["Condition"] = {"ArnLike": {"aws:SourceArn": arn}}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    policy = (
        trust(None) if source_arn is None else pulumi.Output.from_input(source_arn).apply(trust)
    )
    return aws.iam.Role(f"{name}-role", assume_role_policy=policy, opts=opts)


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
    cluster = EksCluster(
        config.name,
        EksClusterArgs(
            cluster_name=config.name,
            region=config.cluster.region,
            kubernetes_version=config.cluster.kubernetes_version,
            node_count=config.cluster.node_count,
            instance_type=config.cluster.vm_size,
            log_retention_days=config.log_retention_days,
            fargate_profiles=(FARGATE_SELECTORS,) if config.cluster.fargate_tiers else (),
        ),
    )
    cluster.next_steps = next_steps(config.name, config.cluster.region)
    return cluster


def next_steps(cluster_name: str, region: str) -> dict[str, str]:
    """The kubeconfig command and the cluster's console page, for the walkthrough."""
    return {
        "credentials": f"aws eks update-kubeconfig --region {region} --name {cluster_name}",
        "cluster_console": (
            f"https://{region}.console.aws.amazon.com/eks/home?region={region}"
            f"#/clusters/{cluster_name}"
        ),
    }
