"""Secrets Manager: the ASPIRE credentials and the bank-account fingerprint key (no token key, docs/deploy.md)."""

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
        # HMAC key of bank-account fingerprints (routing + account number): duplicate detection compares
        # fingerprints, so the key is generated once and never stored anywhere else.
        self.fingerprint = secretsmanager.Secret(
            self,
            "Fingerprint",
            description="Customer Portal: HMAC key of bank-account fingerprints (generated; never rotate)",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64),
            removal_policy=RemovalPolicy.RETAIN,
        )
        NagSuppressions.add_resource_suppressions(
            self.fingerprint,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="Stored bank-account fingerprints are HMACs under this key; rotating it would make "
                    "every known account look new (duplicate detection), so it is generated once and kept.",
                )
            ],
        )
