"""Which SES events become a delivery state, and what a malformed one does."""

from __future__ import annotations

import json

import pytest

from portal.services.ses_events import MalformedSesEvent, delivery_of, read_ses_event


def _event(**fields: object) -> str:
    return json.dumps({"mail": {"messageId": "m-1", "timestamp": "2026-11-02T15:00:00Z"}, **fields})


def test_bounce_complaint_and_delivery_are_read_from_event_publishing_and_notifications() -> None:
    bounce = read_ses_event(_event(eventType="Bounce", bounce={"bounceType": "Permanent", "bounceSubType": "NoEmail",
                                                               "timestamp": "2026-11-02T15:00:03Z"}))  # fmt: skip
    assert delivery_of(bounce) == ("bounced", "2026-11-02T15:00:03Z", "Permanent/NoEmail")
    complaint = read_ses_event(_event(notificationType="Complaint", complaint={"complaintFeedbackType": "abuse"}))
    assert delivery_of(complaint) == ("complained", "2026-11-02T15:00:00Z", "abuse")
    assert delivery_of(read_ses_event(_event(eventType="Delivery"))) == ("delivered", "2026-11-02T15:00:00Z", "")


def test_other_event_types_are_ignored() -> None:
    assert delivery_of(read_ses_event(_event(eventType="Send"))) is None


@pytest.mark.parametrize("message", ["", "[]", '{"eventType": "Bounce"}', '{"mail": {"messageId": 5}}'])
def test_a_message_that_is_not_an_ses_event_is_malformed(message: str) -> None:
    with pytest.raises(MalformedSesEvent):
        read_ses_event(message)
