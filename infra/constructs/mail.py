"""SES: the sending domain's identity and the configuration set every portal email goes through."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
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
        # Delivery, bounce and complaint events of every portal email, for the enrollment diagnostics (§8.3):
        # SES publishes them to this topic, the `ses_events` function records them on the email's MAIL# item.
        key = kms.Key(self, "EventsKey", description="Customer Portal: encrypts the SES events topic",
                      enable_key_rotation=True)  # fmt: skip
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                resources=["*"],
            )
        )
        self.events = sns.Topic(self, "Events", display_name="Customer Portal SES events", master_key=key,
                                enforce_ssl=True)  # fmt: skip
        self.configuration_set.add_event_destination(
            "DeliveryEvents",
            destination=ses.EventDestination.sns_topic(self.events),
            events=[ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
        )

    def record_events_with(self, function: lambda_.IFunction) -> None:
        """The function that records the delivery state of each email (`ses_events`)."""
        self.events.add_subscription(subscriptions.LambdaSubscription(function))

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
