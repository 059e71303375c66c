"""Bank account rules for one-time ACH payments (PRODUCT.md section 5).

Routing numbers must pass the ABA checksum and not be all zeros; account numbers are shown as their last 4
digits only. Details never echo the numbers themselves.
"""

from __future__ import annotations

from typing import Literal

from portal.domain.checks import Check
from portal.domain.errors import ValidationFailed

__all__ = [
    "AccountOwnerType",
    "SecCode",
    "aba_check_digit",
    "aba_routing_number_check",
    "last4",
    "routing_number_valid",
    "sec_code_for",
]

AccountOwnerType = Literal["personal", "business"]
SecCode = Literal["WEB", "CCD"]

RULE_ABA = "aba_routing_number"
_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)


def _is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def aba_check_digit(first8: str) -> str:
    """The ninth (check) digit that makes ``first8`` + digit pass the ABA 3-7-1 checksum."""
    if len(first8) != 8 or not _is_ascii_digits(first8):
        raise ValueError("an ABA check digit needs exactly 8 leading digits")
    total = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, first8, strict=False))
    return str(-total % 10)


NOT_A_ROUTING_NUMBER = (
    "this is not a valid routing number (its check digit does not match): check the 9 digits on a check"
)


def aba_routing_number_check(routing_number: str) -> Check:
    """Check "aba_routing_number": exactly 9 digits, not all zeros, and a 3-7-1 weighted sum divisible by 10."""
    value = routing_number.strip()
    if not value:
        return Check(RULE_ABA, False, "no routing number was given")
    if not _is_ascii_digits(value):
        return Check(RULE_ABA, False, "routing number contains characters other than the digits 0-9")
    if len(value) != 9:
        return Check(RULE_ABA, False, f"routing number must have exactly 9 digits, not {len(value)}")
    if value == "000000000":
        return Check(RULE_ABA, False, "routing number is all zeros")
    total = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, value, strict=True))
    if total % 10 != 0:
        # Said to the person typing it: what is wrong and where to look, not only the rule's name.
        return Check(RULE_ABA, False, NOT_A_ROUTING_NUMBER)
    return Check(RULE_ABA, True, "routing number has 9 digits and passes the ABA checksum")


def routing_number_valid(routing_number: str) -> bool:
    """True when ``routing_number`` passes :func:`aba_routing_number_check`."""
    return aba_routing_number_check(routing_number).passed


def sec_code_for(owner_type: AccountOwnerType) -> SecCode:
    """The NACHA SEC code of an Alternate EFT: WEB for personal (consumer) accounts, CCD for business accounts."""
    if owner_type == "personal":
        return "WEB"
    if owner_type == "business":
        return "CCD"
    raise ValidationFailed(
        "account owner type must be personal or business",
        fields=[{"field": "owner_type", "issue": "must be personal or business"}],
    )


def last4(account_number: str) -> str:
    """The last 4 digits of an account number (spaces and dashes ignored) -- the only part ever shown."""
    digits = "".join(ch for ch in account_number if ch.isascii() and ch.isdigit())
    return digits[-4:]
