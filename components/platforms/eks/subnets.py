"""The eks VPC's address plan, Pulumi-free: the network builds it and the offline plan's flows
check (through the platform's facts) knows which addresses pods get."""

VPC_CIDR = "10.0.0.0/16"
# Small public subnets (load balancers, the NAT gateway); large private ones, because the VPC CNI
# gives every pod a VPC address.
PUBLIC_CIDRS = ("10.0.0.0/24", "10.0.1.0/24")
PRIVATE_CIDRS = ("10.0.128.0/19", "10.0.160.0/19")
