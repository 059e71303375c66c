"""What `make run` prints when the in-process payments writer fails a delivery (local/payments_poller.py)."""

from __future__ import annotations

from local.aws_local import PAYMENTS_MAX_RECEIVES
from local.payments_poller import failure_note


def test_a_failed_delivery_before_the_last_says_sqs_delivers_it_again() -> None:
    note = failure_note({"MessageId": "m", "Attributes": {"ApproximateReceiveCount": "2"}})
    assert f"delivery 2 of {PAYMENTS_MAX_RECEIVES}" in note and "deliver it again" in note


def test_the_last_failed_delivery_says_the_sweep_takes_over() -> None:
    # Given the delivery that reaches maxReceiveCount / Then the line does not promise another delivery
    note = failure_note({"MessageId": "m", "Attributes": {"ApproximateReceiveCount": str(PAYMENTS_MAX_RECEIVES)}})
    assert "dead-letter queue" in note and "sweep" in note and "deliver it again" not in note
