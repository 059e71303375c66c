"""SES delivery, bounce and complaint events -> the delivery state of the email they are about (diagnostics 3).

An SES configuration set publishes events to an SNS topic; each SNS record's `Message` is the SES event JSON
(`eventType` for event publishing, `notificationType` for identity notifications: both are read). Only the
message id, the event type, its time and the bounce/complaint type are used: addresses are never logged.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

Delivery = Literal["delivered", "bounced", "complained"]
EVENT_TYPES: dict[str, Delivery] = {"Delivery": "delivered", "Bounce": "bounced", "Complaint": "complained"}


class DeliveryRecorder(Protocol):
    def record_delivery(self, message_id: str, delivery: Delivery, at: str, detail: str = "") -> bool: ...


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SesMail(_Model):
    messageId: str  # SES spells its fields in camelCase
    timestamp: str = ""


class SesEvent(_Model):
    eventType: str | None = None
    notificationType: str | None = None
    mail: SesMail
    bounce: dict[str, Any] | None = None
    complaint: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None


class MalformedSesEvent(ValueError):
    """An SNS message that is not an SES event (its content is not repeated: it may hold addresses)."""


def read_ses_event(message: str) -> SesEvent:
    try:
        return SesEvent.model_validate(json.loads(message))
    except (ValueError, ValidationError) as error:
        raise MalformedSesEvent("the SNS message is not an SES event") from error


def delivery_of(event: SesEvent) -> tuple[Delivery, str, str] | None:
    """(delivery state, when, detail) of an event the diagnostics care about; None for the others (Send...)."""
    kind = EVENT_TYPES.get(event.eventType or event.notificationType or "")
    if kind is None:
        return None
    if kind == "bounced":
        part = event.bounce or {}
        detail = "/".join(str(part[k]) for k in ("bounceType", "bounceSubType") if part.get(k))
    elif kind == "complained":
        part = event.complaint or {}
        detail = str(part.get("complaintFeedbackType") or "complaint")
    else:
        part = event.delivery or {}
        detail = ""
    return kind, str(part.get("timestamp") or event.mail.timestamp), detail


def record_event(message: str, recorder: DeliveryRecorder) -> str:
    """Records one SNS message; returns what happened: recorded | unknown_message | ignored."""
    event = read_ses_event(message)
    found = delivery_of(event)
    if found is None:
        return "ignored"
    kind, at, detail = found
    return "recorded" if recorder.record_delivery(event.mail.messageId, kind, at, detail) else "unknown_message"
