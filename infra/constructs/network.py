"""The network path to ASPIRE: the customer's VPC (from CDK context), a security group, and VPC endpoints.

Only the functions that talk to ASPIRE run in the VPC (their settings model has `aspire_secret_id`); the API
functions stay outside, where a cold start attaches no network interface. The private subnets have no NAT
route on purpose: the security group lets the functions reach the SQL Server's port and, over HTTPS, the VPC
endpoints of the AWS services they call (DynamoDB through a gateway endpoint, the rest through interface
endpoints), nothing else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

# The context keys `cdk deploy -c key=value` must give (docs/deploy.md); lists are comma-separated.
NETWORK_CONTEXT = {
    "vpc_id": "the VPC that can reach the ASPIRE SQL Server (vpc-...)",
    "availability_zones": "the availability zones of the private subnets, in the same order (us-east-1a,...)",
    "private_subnet_ids": "private subnets for the sync functions, one per zone (subnet-...,subnet-...)",
    "private_subnet_route_table_ids": "their route tables, in the same order (rtb-...,rtb-...)",
    "dynamodb_prefix_list_id": "the region's DynamoDB prefix list (aws ec2 describe-managed-prefix-lists "
    "--filters Name=prefix-list-name,Values=com.amazonaws.<region>.dynamodb)",
    "aspire_host": "the SQL Server's IP address or CIDR (10.0.12.34 or 10.0.12.0/28)",
    "aspire_port": "the SQL Server's TCP port (1433)",
}

# Interface endpoints: SQS (the chunk and payments queues), Secrets Manager (the ASPIRE credentials), KMS (the
# application key), CloudWatch Logs and Monitoring (direct API calls; Lambda's own log delivery needs none).
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
}

# What Lambda needs to attach a function to the VPC: the actions of AWSLambdaVPCAccessExecutionRole, granted
# inline because the functions' roles take no AWS managed policy. EC2 has no resource-level permissions here.
ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


class MissingContext(ValueError):
    """`cdk synth`/`deploy` lacks context values the stack needs; the message says what to pass."""


def require_context(context: Callable[[str], Any], keys: Mapping[str, str]) -> None:
    """Fail the synth with one message listing every context value the deployment still needs."""
    missing = [key for key in keys if not str(context(key) or "").strip()]
    if missing:
        lines = "\n".join(f"  -c {key}=...   {keys[key]}" for key in missing)
        raise MissingContext(
            "the stack needs deployment context it was not given; pass it with -c key=value or in "
            f'cdk.json\'s "context" (docs/deploy.md):\n{lines}'
        )


def _list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


@dataclass(frozen=True)
class NetworkContext:
    vpc_id: str
    availability_zones: list[str]
    private_subnet_ids: list[str]
    private_subnet_route_table_ids: list[str]
    dynamodb_prefix_list_id: str
    aspire_cidr: str
    aspire_port: int

    @classmethod
    def from_context(cls, context: Callable[[str], Any]) -> NetworkContext:
        require_context(context, NETWORK_CONTEXT)
        zones, subnets, tables = (
            _list(context(k)) for k in ("availability_zones", "private_subnet_ids", "private_subnet_route_table_ids")
        )
        if len(subnets) != len(tables) or len(subnets) % len(zones):
            raise MissingContext(
                "private_subnet_ids and private_subnet_route_table_ids need one entry per subnet, and a subnet "
                f"per availability zone ({len(subnets)} subnets, {len(tables)} route tables, {len(zones)} zones)"
            )
        try:
            cidr = str(ipaddress.ip_network(str(context("aspire_host")).strip(), strict=True))
            port = int(context("aspire_port"))
        except ValueError as error:
            raise MissingContext(
                f"aspire_host must be an IPv4 address or CIDR and aspire_port a number: {error}"
            ) from None
        if not 0 < port < 65536:
            raise MissingContext(f"aspire_port {port} is not a TCP port")
        return cls(
            vpc_id=str(context("vpc_id")),
            availability_zones=zones,
            private_subnet_ids=subnets,
            private_subnet_route_table_ids=tables,
            dynamodb_prefix_list_id=str(context("dynamodb_prefix_list_id")),
            aspire_cidr=cidr,
            aspire_port=port,
        )


class AspireNetwork(Construct):
    """The imported VPC, the sync functions' security group and the endpoints that group may reach."""

    def __init__(self, scope: Construct, construct_id: str, *, network: NetworkContext) -> None:
        super().__init__(scope, construct_id)
        # Imported from attributes, not looked up: synth stays offline and deterministic.
        self.vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=network.vpc_id,
            availability_zones=network.availability_zones,
            private_subnet_ids=network.private_subnet_ids,
            private_subnet_route_table_ids=network.private_subnet_route_table_ids,
        )
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.security_group = ec2.SecurityGroup(
            self,
            "AspireClients",
            vpc=self.vpc,
            description="Customer Portal functions that talk to ASPIRE: SQL Server port and AWS endpoints only",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.ipv4(network.aspire_cidr),
            ec2.Port.tcp(network.aspire_port),
            "ASPIRE SQL Server",
        )
        self.vpc.add_gateway_endpoint("DynamoDb", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB)
        self.security_group.add_egress_rule(
            ec2.Peer.prefix_list(network.dynamodb_prefix_list_id), ec2.Port.tcp(443), "DynamoDB gateway endpoint"
        )
        endpoint_group = ec2.SecurityGroup(
            self,
            "EndpointGroup",
            vpc=self.vpc,
            description="Customer Portal interface endpoints: HTTPS from the ASPIRE-facing functions only",
            allow_all_outbound=False,
        )
        endpoint_group.add_ingress_rule(self.security_group, ec2.Port.tcp(443), "Customer Portal sync functions")
        self.security_group.add_egress_rule(endpoint_group, ec2.Port.tcp(443), "AWS interface endpoints")
        self.endpoints = {
            name: self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.subnets,
                security_groups=[endpoint_group],
                open=False,
                private_dns_enabled=True,
            )
            for name, service in INTERFACE_ENDPOINTS.items()
        }

    @staticmethod
    def grant_attach(role: iam.IRole) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(ENI_ACTIONS), resources=["*"]))
