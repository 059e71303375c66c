"""The portal's DynamoDB tables, built from `TABLES`, and the KMS key for application-level encryption."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from portal.adapters.dynamodb.tables import TABLES, TableDef

# Administration of the application key (what the key policy gives the account): no Encrypt/Decrypt/GenerateDataKey.
APP_KEY_ADMIN_ACTIONS = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """One table per `TableDef` (keyed by its logical name) and the application key.

    Tables hold customer data, so they outlive the stack: deletion protection on, `RemovalPolicy.RETAIN`,
    point-in-time recovery for the 35-day restore window. Encryption at rest uses the AWS-managed key; the
    fields that need more (bank account numbers, TOTP seeds) are encrypted by the application with
    `app_key` before they reach DynamoDB, so a table export alone never reveals them.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {
            definition.logical_name: self._table(definition) for definition in TABLES
        }
        self.app_key = kms.Key(
            self,
            "AppKey",
            description="Customer Portal: application-level encryption of bank account numbers and TOTP seeds",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            # Replaces the default policy (account root: kms:*), which would let any IAM policy of the account
            # grant encrypt/decrypt. The account administers the key; only the roles the stack adds may use it.
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AccountAdministersButCannotUse",
                        actions=list(APP_KEY_ADMIN_ACTIONS),
                        principals=[iam.AccountRootPrincipal()],
                        resources=["*"],
                    )
                ]
            ),
        )

    def _table(self, definition: TableDef) -> dynamodb.Table:
        # Construct ids derive from the logical name, so adding a table never renames (replaces) another one.
        table = dynamodb.Table(
            self,
            f"{definition.logical_name.capitalize()}Table",
            partition_key=_string_key(definition.partition_key),
            sort_key=_string_key(definition.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=definition.ttl_attribute,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in definition.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string_key(index.partition_key),
                sort_key=_string_key(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table
