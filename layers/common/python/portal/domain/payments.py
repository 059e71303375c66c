"""One-time ACH payments: the rules, without I/O (PRODUCT.md §5, issue #9).

Money is `Decimal` end to end; dates are business dates in America/Chicago. Every rule that fails raises
`ValidationFailed` with field details naming the rule, never echoing an account number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from portal.domain.errors import Conflict, ValidationFailed

__all__ = [
    "ACTIVE_STATUSES",
    "BUSINESS_TZ",
    "OPEN_FOR_WRITER",
    "Allocation",
    "PaymentStatus",
    "Verification",
    "allocate_all",
    "bank_fingerprint",
    "business_today",
    "cancel_target",
    "check_amount",
    "check_payment_date",
    "new_bank_account_id",
    "new_payment_id",
    "portal_payment_id",
    "request_hash",
]

BUSINESS_TZ = ZoneInfo("America/Chicago")
CENT = Decimal("0.01")

PaymentStatus = Literal["Pending", "Scheduled", "Paid", "Pending Cancel", "Canceled"]
Verification = Literal["matched_on_file", "allow_any", "unverified"]
# A bank account with a payment in one of these cannot be deleted: ASPIRE may still collect from it.
ACTIVE_STATUSES: frozenset[str] = frozenset({"Pending", "Scheduled", "Pending Cancel"})
# The states the writer still has work for (the outbox item exists exactly while a payment is in one).
OPEN_FOR_WRITER: frozenset[str] = frozenset({"Pending", "Pending Cancel"})


@dataclass(frozen=True)
class Allocation:
    contract_id: str
    account_id: str
    amount: Decimal


def bank_fingerprint(key: bytes, routing_number: str, account_digits: str) -> str:
    """Keyed fingerprint of a bank account: equal for equal accounts, useless without the key (no brute force
    of a 4-17 digit space from a leaked table)."""
    return hmac.new(key, f"{routing_number}:{account_digits}".encode(), hashlib.sha256).hexdigest()


def new_bank_account_id() -> str:
    return secrets.token_hex(16)


def new_payment_id(now: datetime) -> str:
    """`<UTC %Y%m%dT%H%M%S%f>-<8 hex>`: ids sort by creation time, so a user's partition lists newest first."""
    return f"{now.strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(4)}"


def portal_payment_id(payment_id: str, n: int) -> str:
    """ASPIRE's `AlternateEft.PortalPaymentId` of allocation `n` (from 1); at most 40 characters."""
    value = f"{payment_id}-{n}"
    if len(value) > 40:
        raise ValueError("a PortalPaymentId has at most 40 characters")
    return value


def business_today(now: datetime) -> date:
    return now.astimezone(BUSINESS_TZ).date()


def request_hash(body: Mapping[str, Any]) -> str:
    """sha256 of the canonical request body (sorted keys, no spaces): what "the same body" means."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _invalid(field: str, issue: str, message: str, code: str = "validation_failed") -> ValidationFailed:
    return ValidationFailed(message, code, fields=[{"field": field, "issue": issue}])


def check_amount(amount: Decimal, limit: Decimal) -> Decimal:
    """The amount when it is positive, has at most two decimals and is at most the per-payment limit."""
    if not amount.is_finite() or amount <= 0:
        raise _invalid("amount", "must be greater than 0.00", "The amount must be greater than 0.00.")
    if amount != amount.quantize(CENT):
        raise _invalid("amount", "at most two decimals", "The amount can have at most two decimals.")
    if amount > limit:
        raise _invalid(
            "amount", f"at most {limit.quantize(CENT)}", f"One payment can be at most {limit.quantize(CENT)}."
        )
    return amount.quantize(CENT)


def check_payment_date(payment_date: date, today: date, max_days_ahead: int) -> date:
    """From today's business date up to `max_days_ahead` days ahead."""
    last = today + timedelta(days=max_days_ahead)
    if payment_date < today:
        raise _invalid("payment_date", f"on or after {today.isoformat()}", "The payment date cannot be in the past.")
    if payment_date > last:
        raise _invalid(
            "payment_date",
            f"on or before {last.isoformat()}",
            f"The payment date can be at most {max_days_ahead} days ahead.",
        )
    return payment_date


def allocate_all(amount: Decimal, open_amounts: Sequence[tuple[str, str, Decimal]]) -> list[Allocation]:
    """`scope=all`: one allocation per contract with open charges ((contract, account, open amount) rows); the
    amount must equal their total exactly (a partial "all" would leave the split to guesswork)."""
    owed = [(contract, account, due) for contract, account, due in open_amounts if due > 0]
    total = sum((due for _, _, due in owed), Decimal("0.00")).quantize(CENT)
    if not owed:
        raise _invalid("scope", "no open charges", "There are no open charges to pay.", "nothing_to_pay")
    if amount != total:
        raise ValidationFailed(
            f"Paying all open charges takes exactly {total}.",
            "amount_mismatch",
            fields=[{"field": "amount", "issue": f"must equal the open total {total}", "expected": str(total)}],
        )
    return [Allocation(contract, account, due.quantize(CENT)) for contract, account, due in owed]


def cancel_target(status: str, allocations: Sequence[Mapping[str, Any]]) -> PaymentStatus:
    """Where a cancel request takes a payment: Pending → Canceled (nothing written to ASPIRE yet), Scheduled →
    Pending Cancel (the writer cancels the rows). Anything an EFT run picked up, Paid or Canceled: 409."""
    # Not taken by an EFT run yet: no state, or "pending" in the writer's vocabulary (`payment_writer.eft_status`,
    # set once the row is written); the API stores a new allocation as "Pending", hence the case-insensitive test.
    picked_up = any(str(a.get("eft_status") or "").lower() not in ("", "pending") for a in allocations)
    if status == "Pending" and not picked_up:
        return "Canceled"
    if status == "Scheduled" and not picked_up:
        return "Pending Cancel"
    if status == "Pending Cancel":
        raise Conflict("A cancellation of this payment is already under way.", "cancel_in_progress")
    raise Conflict("This payment was already processed and can no longer be canceled.", "already_processed")
