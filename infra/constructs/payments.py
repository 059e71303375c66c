"""The payments queue: the payments function announces each accepted or canceled payment, `payments_writer`
(when FUNCTIONS has it) writes it to ASPIRE, one message at a time."""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from infra.constructs.functions import Functions
from infra.constructs.queues import work_queue

WRITER = "payments_writer"
# A payment ASPIRE refuses five times (or that crashes the writer five times) goes to the dead-letter queue,
# which alarms; ASPIRE being briefly unavailable is retried well within five visibility timeouts.
PAYMENT_MAX_RECEIVES = 5


class Payments(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: Functions) -> None:
        super().__init__(scope, construct_id)
        # A payment is a money movement: work_queue's batch size 1 keeps one failing message from redelivering others.
        work = work_queue(
            self,
            "Payments",
            dead_letters_id="PaymentDeadLetters",
            functions=functions,
            consumer=WRITER,
            retention=Duration.days(4),
            max_receives=PAYMENT_MAX_RECEIVES,
        )
        self.queue, self.dead_letters = work.queue, work.dead_letters
