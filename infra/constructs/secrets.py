"""Secrets Manager: the ASPIRE database credentials (the portal keeps no token signing key, docs/deploy.md)."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

# What the ASPIRE adapter reads; the operator replaces the placeholders (docs/deploy.md).
ASPIRE_TEMPLATE = {"host": "CHANGE_ME", "port": 1433, "user": "CHANGE_ME", "database": "CHANGE_ME"}


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.aspire = secretsmanager.Secret(
            self,
            "Aspire",
            description="Customer Portal: ASPIRE SQL Server credentials (JSON host/port/user/password/database); "
            "set by the operator",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(ASPIRE_TEMPLATE),
                generate_string_key="password",
                exclude_punctuation=True,
                password_length=32,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        NagSuppressions.add_resource_suppressions(
            self.aspire,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="The ASPIRE credentials belong to the customer's SQL Server; the operator rotates "
                    "them there and updates the secret (no rotation Lambda can reach that server's logins).",
                )
            ],
        )
