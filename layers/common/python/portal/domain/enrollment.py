"""Self-enrollment ("Register") eligibility (PRODUCT.md section 4, diagnostics question 3).

Eligible when: the email belongs to the ASPIRE customer of the contract, to one of that customer's contacts, or
to the bill-to location of the contract (stored values may hold several addresses separated by "," or ";",
compared case-insensitively); the contract id is a booked contract of that customer; and the postal code matches
the contract's billing postal code after removing everything but letters and digits, comparing the first 5
characters for US codes and 6 for Canadian codes. Names are not matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from portal.domain.checks import Check, Verdict
from portal.domain.facts import ContractFacts, RoleType

__all__ = [
    "VERDICT_ELIGIBLE",
    "VERDICT_NOT_ELIGIBLE",
    "EnrollmentFacts",
    "EnrollmentRequest",
    "PostalCodeKind",
    "email_in",
    "enrollment_eligibility",
    "is_eligible",
    "normalise_postal_code",
    "postal_code_kind",
    "postal_codes_match",
    "split_emails",
]

VERDICT_ELIGIBLE = "eligible"
VERDICT_NOT_ELIGIBLE = "not_eligible"

PostalCodeKind = Literal["US", "CA", "unknown"]

_EMAIL_SEPARATORS = re.compile(r"[,;]")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_CANADIAN = re.compile(r"[A-Z][0-9][A-Z][0-9][A-Z][0-9]")
_US = re.compile(r"[0-9]{5}(?:[0-9]{4})?")
_COMPARED_CHARS: dict[PostalCodeKind, int] = {"US": 5, "CA": 6}


def split_emails(value: str | None) -> list[str]:
    """The addresses in a stored email field: split on "," and ";", stripped, empties dropped, casefolded."""
    if not value:
        return []
    return [part.strip().casefold() for part in _EMAIL_SEPARATORS.split(value) if part.strip()]


def email_in(value: str | None, email: str) -> bool:
    """True when ``email`` is one of the addresses in ``value`` (case-insensitive)."""
    wanted = email.strip().casefold()
    return bool(wanted) and wanted in split_emails(value)


def normalise_postal_code(value: str | None) -> str:
    """Keep only the ASCII letters and digits of a postal code, uppercased: "k1a 0b1" -> "K1A0B1"."""
    if not value:
        return ""
    return _NOT_ALNUM.sub("", value).upper()


def postal_code_kind(normalised: str) -> PostalCodeKind:
    """ "CA" for A1A1A1, "US" for 5 or 9 digits (ZIP or ZIP+4), otherwise "unknown"."""
    code = normalise_postal_code(normalised)
    if _CANADIAN.fullmatch(code):
        return "CA"
    if _US.fullmatch(code):
        return "US"
    return "unknown"


def _comparison_kind(entered: str, stored: str) -> PostalCodeKind:
    """The kind that decides the comparison: the stored code's, falling back to the entered code's."""
    kind = postal_code_kind(stored)
    return kind if kind != "unknown" else postal_code_kind(entered)


def postal_codes_match(entered: str, stored: str) -> bool:
    """Whether an entered postal code matches the stored billing postal code.

    Both are normalised; the kind is decided by the stored code (falling back to the entered one); US codes
    compare their first 5 characters, Canadian codes their first 6, anything else must be equal. An empty code
    never matches.
    """
    e, s = normalise_postal_code(entered), normalise_postal_code(stored)
    if not e or not s:
        return False
    kind = _comparison_kind(e, s)
    if kind == "unknown":
        return e == s
    n = _COMPARED_CHARS[kind]
    return e[:n] == s[:n]


@dataclass(frozen=True)
class EnrollmentRequest:
    """What the person typed on the Register page."""

    first_name: str
    last_name: str
    email: str
    postal_code: str
    contract_id: str


@dataclass(frozen=True)
class EnrollmentFacts:
    """What the portal knows about the contract the person typed.

    ``contract is None`` means there is no such contract on this site. ``customer_account_id`` is the account
    holding the Customer role on it; ``customer_email`` and ``contact_emails`` are that account's stored email
    fields; ``bill_to_email`` and ``billing_postal_code`` belong to the contract's bill-to location.
    """

    contract: ContractFacts | None
    customer_account_id: str | None = None
    customer_email: str | None = None
    contact_emails: Sequence[str | None] = field(default_factory=tuple)
    bill_to_email: str | None = None
    billing_postal_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "contact_emails", tuple(self.contact_emails))


def _cannot_check(rule: str, contract_id: str) -> Check:
    return Check(rule, False, f"cannot be checked: no contract {contract_id} on this site")


def _check_exists(request: EnrollmentRequest, facts: EnrollmentFacts) -> Check:
    if facts.contract is None:
        return Check("contract_exists", False, f"no contract {request.contract_id.strip()} on this site")
    return Check("contract_exists", True, f"contract {facts.contract.contract_id} exists on this site")


def _check_booked(contract: ContractFacts) -> Check:
    state = "is booked" if contract.booked else "is not booked"
    return Check("contract_booked", contract.booked, f"contract {contract.contract_id} {state}")


def _check_customer(contract: ContractFacts, customer_account_id: str | None) -> Check:
    rule = "contract_has_customer"
    holders = sorted(contract.accounts_with_role(RoleType.CUSTOMER))
    if customer_account_id is not None and customer_account_id in holders:
        detail = f"account {customer_account_id} holds the Customer role on contract {contract.contract_id}"
        return Check(rule, True, detail)
    if not holders:
        return Check(rule, False, f"contract {contract.contract_id} has no account with the Customer role")
    if customer_account_id is None:
        detail = f"no customer account is on file for contract {contract.contract_id}"
    else:
        detail = f"account {customer_account_id} does not hold the Customer role on contract {contract.contract_id}"
    return Check(rule, False, f"{detail} (Customer role held by {', '.join(holders)})")


def _check_email(request: EnrollmentRequest, facts: EnrollmentFacts, contract: ContractFacts) -> Check:
    rule = "email_matches_customer_contact_or_bill_to"
    owner = f"account {facts.customer_account_id}" if facts.customer_account_id else "the customer"
    if not request.email.strip():
        return Check(rule, False, "no email was entered")
    matched: list[str] = []
    if email_in(facts.customer_email, request.email):
        matched.append(f"the customer email of {owner}")
    if any(email_in(value, request.email) for value in facts.contact_emails):
        matched.append(f"a contact email of {owner}")
    if email_in(facts.bill_to_email, request.email):
        matched.append(f"the bill-to location email of contract {contract.contract_id}")
    if matched:
        return Check(rule, True, f"the entered email matches {' and '.join(matched)}")
    contacts = sum(len(split_emails(value)) for value in facts.contact_emails)
    on_file = [
        "a customer email on file" if split_emails(facts.customer_email) else "no customer email on file",
        f"{contacts} contact email{'' if contacts == 1 else 's'} on file",
        "a bill-to email on file" if split_emails(facts.bill_to_email) else "no bill-to email on file",
    ]
    return Check(
        rule,
        False,
        f"the entered email matches neither the customer email nor a contact email of {owner} nor the bill-to "
        f"location email of contract {contract.contract_id} ({', '.join(on_file)})",
    )


def _check_postal_code(request: EnrollmentRequest, facts: EnrollmentFacts, contract: ContractFacts) -> Check:
    rule = "postal_code_matches"
    entered = normalise_postal_code(request.postal_code)
    stored = normalise_postal_code(facts.billing_postal_code)
    if not stored:
        return Check(rule, False, f"contract {contract.contract_id} has no billing postal code on file")
    if not entered:
        return Check(rule, False, "no postal code was entered (letters and digits)")
    kind = _comparison_kind(entered, stored)
    how = {
        "US": "US comparison of the first 5 characters",
        "CA": "Canadian comparison of the first 6 characters",
        "unknown": "exact comparison of letters and digits, as neither code is a US or Canadian format",
    }[kind]
    passed = postal_codes_match(entered, stored)
    verb = "matches" if passed else "does not match"
    detail = f"the entered postal code {verb} the billing postal code of contract {contract.contract_id} ({how})"
    return Check(rule, passed, detail)


def enrollment_eligibility(request: EnrollmentRequest, facts: EnrollmentFacts) -> Verdict:
    """The self-enrollment checklist for ``request`` given what the portal knows about its contract.

    Checks, in order: contract_exists, contract_booked, contract_has_customer,
    email_matches_customer_contact_or_bill_to, postal_code_matches. Details never echo stored addresses or codes.
    """
    contract = facts.contract
    exists = _check_exists(request, facts)
    if contract is None:
        contract_id = request.contract_id.strip()
        rest = [
            _cannot_check(rule, contract_id)
            for rule in (
                "contract_booked",
                "contract_has_customer",
                "email_matches_customer_contact_or_bill_to",
                "postal_code_matches",
            )
        ]
        return Verdict((exists, *rest))
    return Verdict(
        (
            exists,
            _check_booked(contract),
            _check_customer(contract, facts.customer_account_id),
            _check_email(request, facts, contract),
            _check_postal_code(request, facts, contract),
        )
    )


def is_eligible(request: EnrollmentRequest, facts: EnrollmentFacts) -> bool:
    """True when ``request`` may self-enroll."""
    return enrollment_eligibility(request, facts).ok
