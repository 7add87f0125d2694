"""The eks stack's VPC: two AZs, public subnets for load balancers, private subnets for nodes
and Fargate pods, and a single NAT gateway (one instead of one per AZ: a trial, not production,
and each NAT gateway bills by the hour)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.platforms.eks.subnets import PRIVATE_CIDRS, PUBLIC_CIDRS, VPC_CIDR

ZONES = 2


@dataclass(frozen=True)
class EksNetworkArgs:
    """The cluster the subnets are tagged for (load balancer subnet discovery)."""

    cluster_name: str


class EksNetwork(pulumi.ComponentResource):
    """VPC, subnets, internet and NAT gateways, route tables."""

    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: EksNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("o11y-kit:cluster:EksNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        owned = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=VPC_CIDR,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{args.cluster_name}-vpc"},
            opts=child,
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, opts=child)
        public = [
            aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=self.vpc.id,
                cidr_block=PUBLIC_CIDRS[i],
                availability_zone=zones.names[i],
                map_public_ip_on_launch=True,
                tags={**owned, "kubernetes.io/role/elb": "1", "Name": f"{name}-public-{i}"},
                opts=child,
            )
            for i in range(ZONES)
        ]
        private = [
            aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=self.vpc.id,
                cidr_block=PRIVATE_CIDRS[i],
                availability_zone=zones.names[i],
                tags={
                    **owned,
                    "kubernetes.io/role/internal-elb": "1",
                    "Name": f"{name}-private-{i}",
                },
                opts=child,
            )
            for i in range(ZONES)
        ]
        nat_ip = aws.ec2.Eip(f"{name}-nat-ip", domain="vpc", opts=child)
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            allocation_id=nat_ip.id,
            subnet_id=public[0].id,
            opts=child.merge(pulumi.ResourceOptions(depends_on=[gateway])),
        )
        self._route(f"{name}-public", public, {"gateway_id": gateway.id}, child)
        self._route(f"{name}-private", private, {"nat_gateway_id": nat.id}, child)
        self.public_subnet_ids = [s.id for s in public]
        self.private_subnet_ids = [s.id for s in private]
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )

    def _route(
        self,
        name: str,
        subnets: list[aws.ec2.Subnet],
        target: dict[str, pulumi.Output[str]],
        opts: pulumi.ResourceOptions,
    ) -> None:
        table = aws.ec2.RouteTable(
            f"{name}-rt",
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", **target}],
            opts=opts,
        )
        for i, subnet in enumerate(subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-rt-{i}", subnet_id=subnet.id, route_table_id=table.id, opts=opts
            )
