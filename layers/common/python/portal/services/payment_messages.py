"""The payments queue's one message (issue #9 contract): "look at this payment again".

The API sends it after a payment is stored (Pending) and after a cancel request moved it to Pending Cancel;
the sweep re-sends it for outbox items that waited too long. It carries keys only: the writer loads the
payment and acts on its CURRENT status, so a duplicate or late message is harmless.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from portal.api.fields import Id


class PaymentMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["payment"] = "payment"
    site_id: Id
    user_id: Id
    payment_id: Id


class MalformedPaymentMessage(ValueError):
    """A queue body that is not a `PaymentMessage` (poison: it goes to the dead-letter queue after retries)."""


def read_payment_message(body: str) -> PaymentMessage:
    try:
        return PaymentMessage.model_validate_json(body)
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) or "body" for e in error.errors(include_input=False)})
        raise MalformedPaymentMessage(f"not a payment message (fields: {', '.join(fields)})") from None
