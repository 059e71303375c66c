"""EventBridge Scheduler runs the two ASPIRE syncs; an SQS queue carries the daily sync's chunks to a worker."""

from __future__ import annotations

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.constructs.functions import Functions
from infra.constructs.queues import DeadLetterQueue, work_queue
from portal.api.routes import SCHEDULES
from portal.config import SyncSettings

INCREMENTAL = "sync_incremental"
DAILY = "sync_daily"
WORKER = "sync_worker"
CHUNK_QUEUE_ENV = SyncSettings.env_name("sync_chunk_queue_url")

CHUNK_MAX_RECEIVES = 3


def _expression(function: str) -> scheduler.ScheduleExpression:
    # PRODUCT §3: daily sync at 04:00 local time in Chicago, which stays 04:00 through daylight saving because
    # Scheduler evaluates the cron expression in this time zone (an EventBridge rule would run in UTC).
    """The expression and time zone of portal.api.routes.SCHEDULES, the table the local scheduler runs too."""
    schedule = next(s for s in SCHEDULES if s.function == function)
    return scheduler.ScheduleExpression.expression(schedule.expression, TimeZone.of(schedule.timezone))


def _event_bridge_shaped(job: str) -> scheduler.ScheduleTargetInput:
    # Shaped like an EventBridge event so the functions use Powertools' `correlation_paths.EVENT_BRIDGE` ("id").
    return scheduler.ScheduleTargetInput.from_object(
        {
            "version": "0",
            "id": scheduler.ContextAttribute.execution_id,
            "detail-type": "Scheduled Event",
            "source": "customer-portal.scheduler",
            "time": scheduler.ContextAttribute.scheduled_time,
            "resources": [scheduler.ContextAttribute.schedule_arn],
            "detail": {"job": job, "attempt": scheduler.ContextAttribute.attempt_number},
        }
    )


class Sync(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: Functions) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.dead_letters = DeadLetterQueue(self, "ScheduleDeadLetters")
        NagSuppressions.add_resource_suppressions(
            self.dead_letters,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3",
                    reason="This queue is the dead-letter queue of the Scheduler targets (DeadLetterConfig of "
                    "the schedules), which cdk-nag does not recognise as a DLQ reference.",
                )
            ],
        )
        self.role = iam.Role(
            self,
            "SchedulerRole",
            description="Customer Portal: EventBridge Scheduler invokes the sync functions",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler", resource="schedule-group", resource_name="default"
                        ),
                    }
                },
            ),
        )
        self.schedules: dict[str, scheduler.Schedule] = {}
        if INCREMENTAL in functions.functions:
            self.schedules[INCREMENTAL] = self._schedule(
                "IncrementalSync",
                INCREMENTAL,
                functions.functions[INCREMENTAL],
                _expression(INCREMENTAL),
                "Customer Portal: incremental ASPIRE sync every 15 minutes",
                max_event_age=Duration.minutes(10),  # the next run is 15 minutes away anyway
            )
        if DAILY in functions.functions:
            self.schedules[DAILY] = self._schedule(
                "DailySync",
                DAILY,
                functions.functions[DAILY],
                _expression(DAILY),
                "Customer Portal: daily ASPIRE sync at 04:00 America/Chicago",
                max_event_age=Duration.hours(2),
            )
        # After the schedules: their targets create the role's DefaultPolicy that this must reach.
        NagSuppressions.add_resource_suppressions(
            self.role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="lambda:InvokeFunction on the sync functions' ARN and its versions/aliases "
                    "(`<function>:*`), granted by Function.grantInvoke; no other function.",
                    applies_to=[{"regex": "/^Resource::<.+Function[0-9A-F]{8}\\.Arn>:\\*$/g"}],
                )
            ],
            apply_to_children=True,
        )

        # Daily-sync chunks: sync_daily splits the work, sync_worker (when it exists) processes one chunk each.
        # Producers (the daily sync's chunks; login's and admin's one-customer syncs) get send rights and the
        # URL from the stack, for every function whose settings model reads `sync_chunk_queue_url`.
        work = work_queue(
            self,
            "Chunks",
            dead_letters_id="ChunkDeadLetters",
            functions=functions,
            consumer=WORKER,
            retention=Duration.days(1),
            max_receives=CHUNK_MAX_RECEIVES,
        )
        self.chunks, self.chunk_dead_letters = work.queue, work.dead_letters

    def _schedule(
        self,
        construct_id: str,
        job: str,
        function: lambda_.IFunction,
        expression: scheduler.ScheduleExpression,
        description: str,
        *,
        max_event_age: Duration,
    ) -> scheduler.Schedule:
        return scheduler.Schedule(
            self,
            construct_id,
            schedule=expression,
            description=description,
            time_window=scheduler.TimeWindow.off(),
            target=targets.LambdaInvoke(
                function,
                role=self.role,
                dead_letter_queue=self.dead_letters,
                retry_attempts=2,
                max_event_age=max_event_age,
                input=_event_bridge_shaped(job),
            ),
        )
