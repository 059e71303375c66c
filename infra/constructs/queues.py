"""SQS queues of the stack: encrypted, TLS-only, and every dead-letter queue recognisable as one (alarms)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

if TYPE_CHECKING:
    from infra.constructs.functions import Functions

DEAD_LETTER_RETENTION = Duration.days(14)  # SQS's maximum: time for an operator to look before messages expire
LAMBDA_MAX_TIMEOUT_S = 900
# AWS guidance for SQS event sources: visibility timeout at least six times the function timeout.
VISIBILITY_FACTOR = 6


def queue(scope: Construct, construct_id: str, **kwargs: Any) -> sqs.Queue:
    return sqs.Queue(scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **kwargs)


class DeadLetterQueue(sqs.Queue):
    """A queue whose messages are failures: `Monitoring` alarms on every instance in the stack, whoever made it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )


@dataclass(frozen=True)
class WorkQueue:
    queue: sqs.Queue
    dead_letters: DeadLetterQueue


def work_queue(
    scope: Construct,
    construct_id: str,
    *,
    dead_letters_id: str,
    functions: Functions,
    consumer: str,
    retention: Duration,
    max_receives: int,
) -> WorkQueue:
    """A queue that the function `consumer` (when FUNCTIONS has it) works off one message at a time, and its
    dead-letter queue after `max_receives` attempts (the payments queue, the daily sync's chunks).

    Batch size 1 with partial batch failures: one failing message (a payment ASPIRE refuses, a chunk that
    crashes) must never redeliver others. The construct ids are the callers', so the queues keep their logical
    ids in a deployed stack.
    """
    definition = functions.definitions.get(consumer)
    # Sized for the slowest consumer Lambda allows while the function does not exist yet.
    timeout = definition.timeout_s if definition else LAMBDA_MAX_TIMEOUT_S
    dead_letters = DeadLetterQueue(scope, dead_letters_id)
    work = queue(
        scope,
        construct_id,
        visibility_timeout=Duration.seconds(VISIBILITY_FACTOR * timeout),
        retention_period=retention,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=max_receives),
    )
    if definition is not None:
        functions.functions[consumer].add_event_source(
            event_sources.SqsEventSource(work, batch_size=1, report_batch_item_failures=True)
        )
    return WorkQueue(queue=work, dead_letters=dead_letters)
