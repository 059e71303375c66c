"""The text types of request bodies: bounded, trimmed where it is safe, and free of control characters.

Every text field of every body uses one of these (or `NoControl` on a type of its own), so a NUL, an escape
sequence or a line separator never reaches storage, an email or a log line. A control character answers 422
like any other invalid value; the message names the rule, never the value (it may be a password).

    from portal.api.fields import Email, Id, Name, Secret

    class PaymentBody(BaseModel):
        contract_id: Id
        memo: Annotated[str, StringConstraints(strip_whitespace=True, max_length=140), NoControl]
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

__all__ = [
    "Code",
    "Email",
    "Id",
    "Name",
    "NoControl",
    "PostalCode",
    "Secret",
    "Text",
    "Token",
    "has_control_characters",
]

# C0 (incl. TAB/LF/CR), DEL, C1, the two Unicode line/paragraph separators that JavaScript and log viewers
# treat as line breaks, the bidirectional overrides/isolates that make a name display as something else
# (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F), the zero-width space and the BOM. Joiners (U+200C/U+200D) stay:
# scripts and emoji need them. Leading/trailing whitespace of trimmed types is removed before this check.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\ufeff]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _reject_control_characters(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("must not contain control characters")
    return value


NoControl = AfterValidator(_reject_control_characters)

# Free text (a name, a memo): trimmed, 1 to 200 characters.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoControl]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoControl]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    NoControl,
]
# An identifier we issued or ASPIRE keeps (contract, challenge, account).
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoControl]
# A one-time code (emailed or TOTP).
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16), NoControl]
# An opaque token from an emailed link.
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256), NoControl]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), NoControl]
# A password: never trimmed (spaces are part of it), bounded only; the password rules live in the identity
# service so they apply wherever a password is set.
Secret = Annotated[str, StringConstraints(min_length=1, max_length=1024), NoControl]
