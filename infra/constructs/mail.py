"""SES: the sending domain's identity and the configuration set every portal email goes through."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct


class Mail(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sender_domain: str) -> None:
        super().__init__(scope, construct_id)
        self.sender_domain = sender_domain
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        # Easy DKIM: SES publishes the three CNAME records to add to the domain's DNS (docs/deploy.md).
        self.identity = ses.EmailIdentity(
            self,
            "DomainIdentity",
            identity=ses.Identity.domain(sender_domain),
            configuration_set=self.configuration_set,
        )

    def grant_send(self, grantees: Iterable[iam.IGrantable]) -> None:
        """ses:SendEmail/SendRawEmail from the sending domain through the configuration set, nothing else."""
        stack = Stack.of(self)
        resources = [
            stack.format_arn(service="ses", resource="identity", resource_name=self.identity.email_identity_name),
            stack.format_arn(
                service="ses",
                resource="configuration-set",
                resource_name=self.configuration_set.configuration_set_name,
            ),
        ]
        for grantee in grantees:
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["ses:SendEmail", "ses:SendRawEmail"], resource_arns=resources
            )
