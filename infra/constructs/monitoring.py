"""Alarms (to an SNS topic with the operator's email) and one dashboard (docs/operations.md says what to do).

The application metrics are Powertools EMF metrics in namespace `CustomerPortal` with the `service` dimension
Powertools always adds; the sync ones also carry `job` (`portal.services.sync_metrics`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.functions import METRICS_NAMESPACE, SERVICE_NAME
from infra.constructs.queues import DeadLetterQueue

SYNC_JOBS = ("incremental", "daily", "full")
# PRODUCT §3: the incremental sync runs every 15 minutes; 30 minutes without a successful run is two misses.
SYNC_LAG_THRESHOLD_S = 30 * 60
# Bad input is always a 4xx (API.md), so a 5xx is a defect: alarm above 1% of requests over 5 minutes.
API_5XX_RATE_THRESHOLD = 0.01
# SES puts an account under review at a 5% bounce rate and may pause sending at 10%: warn well before.
SES_BOUNCE_RATE_THRESHOLD = 0.04
# Published by the payments sweep: payments Pending for more than 15 minutes (PRODUCT §5).
PAYMENTS_OVERDUE_METRIC = "payments_pending_overdue"


def app_metric(name: str, statistic: str, period: Duration, **dimensions: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE_NAME, **dimensions},
        statistic=statistic,
        period=period,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alarm_email: str,
        apis: Sequence[apigw.RestApi],
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch cannot publish to a topic under the AWS-managed SNS key: a key of its own, for CloudWatch.
        key = kms.Key(
            self,
            "AlarmsKey",
            description="Customer Portal: encrypts the alarm topic",
            enable_key_rotation=True,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(self, "Alarms", display_name="Customer Portal alarms", master_key=key, enforce_ssl=True)
        self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        five_minutes = Duration.minutes(5)

        for job in SYNC_JOBS:
            self._alarm(
                f"SyncFailed{job.capitalize()}",
                f"A {job} ASPIRE sync run failed (docs/operations.md: sync run failed)",
                app_metric("run_failed", "Sum", five_minutes, job=job),
                threshold=1,
            )
            self._alarm(
                f"RestoreDetected{job.capitalize()}",
                f"The {job} sync detected an ASPIRE restore and resynced everything; check GET /admin/sync",
                app_metric("restore_detected", "Sum", five_minutes, job=job),
                threshold=1,
            )
        # Lag is published by every run (near 0 after a success, the time since the last success after a
        # failure); no run at all for 30 minutes is lag too, so missing data breaches.
        self._alarm(
            "SyncLag",
            "The incremental ASPIRE sync has not succeeded for 30 minutes",
            app_metric("lag_seconds", "Maximum", Duration.minutes(30), job="incremental"),
            threshold=SYNC_LAG_THRESHOLD_S,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )
        self._alarm(
            "PaymentsPendingOverdue",
            "A payment has been Pending for more than 15 minutes (payments writer or ASPIRE)",
            app_metric(PAYMENTS_OVERDUE_METRIC, "Maximum", five_minutes),
            threshold=1,
        )
        self._alarm(
            "SesBounceRate",
            "SES bounce rate above 4% (review at 5%): check the bounced addresses",
            cloudwatch.Metric(
                namespace="AWS/SES", metric_name="Reputation.BounceRate", statistic="Maximum", period=Duration.hours(1)
            ),
            threshold=SES_BOUNCE_RATE_THRESHOLD,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        for api in apis:
            name = api.rest_api_name.rsplit("-", 1)[-1].capitalize()
            self._alarm(
                f"Api5xx{name}",
                f"More than 1% of {name} API requests answered 5xx over 5 minutes",
                api.metric_server_error(statistic="Average", period=five_minutes),
                threshold=API_5XX_RATE_THRESHOLD,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            )
        self.apis = list(apis)

    def watch_dead_letters(self) -> None:
        """An alarm per dead-letter queue of the stack: call once every construct has been created."""
        stack = Stack.of(self)
        for queue in self._dead_letter_queues(stack.node.find_all()):
            name = queue.node.path.replace("/", "")
            self._alarm(
                f"DeadLetters{name}",
                f"Messages in dead-letter queue {queue.node.path}: failed work to look at",
                queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=Duration.minutes(5)),
                threshold=1,
            )
        self._dashboard()

    @staticmethod
    def _dead_letter_queues(constructs: Iterable[object]) -> list[sqs.Queue]:
        return [c for c in constructs if isinstance(c, DeadLetterQueue)]

    def _alarm(
        self,
        construct_id: str,
        description: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms[construct_id] = alarm
        return alarm

    def _dashboard(self) -> None:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{Stack.of(self).stack_name}-portal")
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24),
        )
        dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=f"{api.rest_api_name} requests and errors",
                    left=[api.metric_count(), api.metric_client_error(), api.metric_server_error()],
                    right=[api.metric_latency(statistic="p95")],
                    width=12,
                )
                for api in self.apis
            )
        )
        hour = Duration.hours(1)
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Sync lag (s) per job",
                left=[app_metric("lag_seconds", "Maximum", Duration.minutes(15), job=job) for job in SYNC_JOBS],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Sync rows read / items written",
                left=[app_metric("rows_read", "Sum", hour, job=job) for job in SYNC_JOBS],
                right=[app_metric("items_written", "Sum", hour, job=job) for job in SYNC_JOBS],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Payments pending > 15 min; SES bounce rate",
                left=[app_metric(PAYMENTS_OVERDUE_METRIC, "Maximum", Duration.minutes(5))],
                right=[
                    cloudwatch.Metric(
                        namespace="AWS/SES", metric_name="Reputation.BounceRate", statistic="Maximum", period=hour
                    )
                ],
                width=12,
            ),
        )
