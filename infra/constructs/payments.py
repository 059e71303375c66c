"""The payments queue: the payments function announces each accepted or canceled payment, `payments_writer`
(when FUNCTIONS has it) writes it to ASPIRE, one message at a time."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.functions import Functions
from infra.constructs.queues import DeadLetterQueue, queue

WRITER = "payments_writer"
LAMBDA_MAX_TIMEOUT_S = 900
# AWS guidance for SQS event sources: visibility timeout at least six times the function timeout.
VISIBILITY_FACTOR = 6
# A payment ASPIRE refuses five times (or that crashes the writer five times) goes to the dead-letter queue,
# which alarms; ASPIRE being briefly unavailable is retried well within five visibility timeouts.
PAYMENT_MAX_RECEIVES = 5


class Payments(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: Functions) -> None:
        super().__init__(scope, construct_id)
        writer = functions.definitions.get(WRITER)
        timeout = writer.timeout_s if writer else LAMBDA_MAX_TIMEOUT_S
        self.dead_letters = DeadLetterQueue(self, "PaymentDeadLetters")
        self.queue = queue(
            self,
            "Payments",
            visibility_timeout=Duration.seconds(VISIBILITY_FACTOR * timeout),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letters, max_receive_count=PAYMENT_MAX_RECEIVES),
        )
        if writer is not None:
            # Batch size 1: a payment is a money movement; one failing message must not redeliver others.
            writer_function: lambda_.Function = functions.functions[WRITER]
            writer_function.add_event_source(
                event_sources.SqsEventSource(self.queue, batch_size=1, report_batch_item_failures=True)
            )
