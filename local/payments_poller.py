"""The SQS event source mapping of `payments_writer`, in-process for `make run`.

A thread long-polls the payments queue on the moto server and hands what it receives to the writer through
`local.gateway.invoke`, as Lambda's event source mapping would: one record per invocation (batch size 1, as
in AWS), the handled ones deleted, the failed ones (batch item failures) left to come back after the
visibility timeout and, after `maxReceiveCount`, to move to the dead-letter queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from local.aws_local import aws_client

WAIT_S = 1  # long-poll wait: a stored payment reaches the writer within about a second


class PaymentsPoller:
    def __init__(self, moto_endpoint: str, queue_url: str, log: Callable[[str], None] = lambda _: None) -> None:
        self._sqs = aws_client("sqs", moto_endpoint)
        self.queue_url = queue_url
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="payments-poller", daemon=True)
        self.handled = 0

    def start(self) -> PaymentsPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAIT_S + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # the runtime keeps serving; the next poll tries again
                self._log(f"payments poller: {type(error).__name__}: {error}")
                self._stop.wait(1)

    def poll_once(self) -> int:
        """Receive and hand over one batch; returns how many records the writer handled."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=WAIT_S, AttributeNames=["All"]
        ).get("Messages", [])
        done = 0
        for message in messages:
            if self._deliver(message):
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                done += 1
        self.handled += done
        return done

    def _deliver(self, message: dict[str, Any]) -> bool:
        from local.events import sqs_event
        from local.gateway import invoke

        response = invoke("payments_writer", sqs_event([message], queue="payments"))
        failed = {f.get("itemIdentifier") for f in (response or {}).get("batchItemFailures", [])}
        if failed:
            self._log(failure_note(message))
        return message["MessageId"] not in failed


def failure_note(message: dict[str, Any]) -> str:
    """The log line of a failed delivery: whether SQS delivers the message again or this was its last try (then
    the dead-letter queue has it and only the sweep of an incremental sync brings the payment on)."""
    from local.aws_local import PAYMENTS_MAX_RECEIVES

    try:
        received = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0))
    except ValueError:
        received = 0
    if received >= PAYMENTS_MAX_RECEIVES:
        return (
            f"payments writer: a payment message failed its last delivery ({received} of {PAYMENTS_MAX_RECEIVES});"
            " it goes to the dead-letter queue, the sweep of the next incremental sync takes the payment on"
        )
    delivery = f"delivery {received or '?'} of {PAYMENTS_MAX_RECEIVES}"
    return f"payments writer: a payment message failed ({delivery}); SQS will deliver it again"
