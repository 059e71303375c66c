"""SES events (configuration set -> SNS -> `ses_events`) become the delivery state diagnostics 3 reports."""

from __future__ import annotations

import importlib
import json
from typing import Any

from local.events import LambdaContextStub
from tests.integration.admin_reads.admin_reads_kit import AdminWorld


def sns(*messages: Any) -> dict[str, Any]:
    def record(n: int, message: Any) -> dict[str, Any]:
        body = message if isinstance(message, str) else json.dumps(message)
        sns_part = {
            "Type": "Notification", "MessageId": f"sns-{n}", "TopicArn": "arn:aws:sns:x", "Subject": None,
            "Message": body, "Timestamp": "2026-11-02T15:01:00.000Z", "SignatureVersion": "1", "Signature": "",
            "SigningCertUrl": "", "UnsubscribeUrl": "", "MessageAttributes": {},
        }  # fmt: skip
        return {"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:x",
                "Sns": sns_part}  # fmt: skip

    return {"Records": [record(n, m) for n, m in enumerate(messages)]}


def ses_event(kind: str, message_id: str, **part: Any) -> dict[str, Any]:
    event = {"eventType": kind, "mail": {"messageId": message_id, "timestamp": "2026-11-02T15:00:00.000Z",
                                         "destination": ["sam@example.com"]}}  # fmt: skip
    if part:
        event[kind.lower()] = part
    return event


def invoke(admin: AdminWorld, event: dict[str, Any]) -> dict[str, Any]:
    module = importlib.import_module("ses_events.app")
    module.wiring = admin.world.wiring
    return module.handler(event, LambdaContextStub("ses_events"))  # type: ignore[no-any-return]


def pending_user_with_an_email(admin: AdminWorld) -> str:
    world = admin.world
    user = world.identity.users.create_user("summit", "sam@example.com", "Sam", "Ray", ["A-1"]).user_id
    world.identity.enrollment.resend_registration("summit", user)
    (mail,) = world.wiring.mail_log.recent("summit", "sam@example.com")
    assert mail.message_id
    return mail.message_id


def emails(admin: AdminWorld) -> list[tuple[str | None, str | None]]:
    status, body = admin.get("/admin/sites/summit/diagnostics/enrollment", {"email": "sam@example.com"})
    assert status == 200, body
    return [(m["delivery"], m["delivery_detail"]) for m in body["recent_emails"]]


def test_a_delivery_event_is_recorded_on_the_email_it_is_about(admin: AdminWorld) -> None:
    message_id = pending_user_with_an_email(admin)
    outcome = invoke(admin, sns(ses_event("Delivery", message_id, timestamp="2026-11-02T15:00:05.000Z")))
    assert outcome == {"recorded": 1}
    assert emails(admin) == [("delivered", "")]


def test_a_bounce_is_kept_even_when_a_delivery_event_arrives_after_it(admin: AdminWorld) -> None:
    message_id = pending_user_with_an_email(admin)
    bounce = ses_event("Bounce", message_id, bounceType="Permanent", bounceSubType="NoEmail")
    invoke(admin, sns(bounce, ses_event("Delivery", message_id)))
    assert emails(admin) == [("bounced", "Permanent/NoEmail")]


def test_unknown_messages_and_malformed_ones_are_counted_not_raised(admin: AdminWorld) -> None:
    pending_user_with_an_email(admin)
    outcome = invoke(admin, sns(ses_event("Delivery", "no-such-message"), "not json", {"mail": {}},
                                ses_event("Send", "x")))  # fmt: skip
    assert outcome == {"unknown_message": 1, "malformed": 2, "ignored": 1}
    assert emails(admin) == [(None, None)]
