"""Self-enrollment eligibility and its helpers (PRODUCT.md section 4)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.enrollment import (
    EnrollmentFacts,
    EnrollmentRequest,
    email_in,
    enrollment_eligibility,
    is_eligible,
    normalise_postal_code,
    postal_code_kind,
    postal_codes_match,
    split_emails,
)
from portal.domain.facts import ContractFacts

RULES = (
    "contract_exists",
    "contract_booked",
    "contract_has_customer",
    "email_matches_customer_contact_or_bill_to",
    "postal_code_matches",
)

# ---- split_emails / email_in ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        (" ; , ", []),
        ("Ann@Example.com", ["ann@example.com"]),
        ("a@x.com;b@y.com", ["a@x.com", "b@y.com"]),
        (" a@x.com , B@Y.COM ;; c@z.com;", ["a@x.com", "b@y.com", "c@z.com"]),
    ],
)
def test_split_emails(value: str | None, expected: list[str]) -> None:
    # Given a stored email field / When split / Then each address comes back stripped and lowercased
    assert split_emails(value) == expected


@pytest.mark.parametrize(
    ("value", "email", "expected"),
    [
        ("ann@example.com", "ANN@example.com", True),
        ("bob@x.com; Ann@Example.com", " ann@example.com ", True),
        ("bob@x.com, carl@x.com", "ann@example.com", False),
        ("annie@example.com", "ann@example.com", False),
        (None, "ann@example.com", False),
        ("ann@example.com", "", False),
        (";;", " ", False),
    ],
)
def test_email_in(value: str | None, email: str, expected: bool) -> None:
    # Given a stored field and an entered email / Then membership is case-insensitive and exact per address
    assert email_in(value, email) is expected


emails = st.lists(
    st.from_regex(r"[A-Za-z0-9._%+-]{1,10}@[A-Za-z0-9-]{1,10}\.[A-Za-z]{2,4}", fullmatch=True), max_size=6
)
separators = st.from_regex(r" {0,2}[,;][ ,;]{0,3}", fullmatch=True)


@given(emails, st.data())
def test_split_emails_round_trips_any_mix_of_separators(addresses: list[str], data: st.DataObject) -> None:
    # Given addresses joined with any mix of ",", ";" and spaces, with padding around the whole
    joined = ""
    for i, address in enumerate(addresses):
        joined += (data.draw(separators) if i else data.draw(st.sampled_from(["", " ", ";"]))) + address
    joined += data.draw(st.sampled_from(["", " ", ";", ", "]))
    # When split / Then the same addresses come back, lowercased, in order
    assert split_emails(joined) == [a.lower() for a in addresses]
    # And each of them is found whatever its case
    assert all(email_in(joined, a.upper()) for a in addresses)


# ---- postal codes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12345-6789", "123456789"), ("k1a 0b1", "K1A0B1"), (" K1A-0B1 ", "K1A0B1"), ("", ""), ("--", "")],
)
def test_normalise_postal_code_keeps_letters_and_digits_uppercased(value: str, expected: str) -> None:
    assert normalise_postal_code(value) == expected


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("12345", "US"),
        ("123456789", "US"),
        ("K1A0B1", "CA"),
        ("k1a 0b1", "CA"),
        ("1234", "unknown"),
        ("123456", "unknown"),
        ("1234567", "unknown"),
        ("K1A0B", "unknown"),
        ("SW1A1AA", "unknown"),
        ("", "unknown"),
    ],
)
def test_postal_code_kind(code: str, kind: str) -> None:
    assert postal_code_kind(code) == kind


@pytest.mark.parametrize(
    ("entered", "stored", "match"),
    [
        ("12345-6789", "12345", True),
        ("12345", "12345-6789", True),
        ("12345-1111", "12345-2222", True),
        ("12346", "12345", False),
        ("1234", "12345", False),
        ("k1a 0b1", "K1A0B1", True),
        ("K1A-0B1", "K1A 0B2", False),
        ("K1A0B1", "K1A 0B1 X", True),  # stored unknown, entered Canadian: first 6
        ("SW1A 1AA", "sw1a1aa", True),  # unknown: exact normalised equality
        ("SW1A 1AB", "sw1a1aa", False),
        ("", "12345", False),
        ("12345", "", False),
        ("", "", False),
        ("-", "-", False),
    ],
)
def test_postal_codes_match(entered: str, stored: str, match: bool) -> None:
    # Given an entered and a stored postal code / Then they match as PRODUCT.md section 4 says
    assert postal_codes_match(entered, stored) is match


zip5 = st.from_regex(r"[0-9]{5}", fullmatch=True)
zip4 = st.from_regex(r"[0-9]{4}", fullmatch=True)
canadian = st.from_regex(r"[A-Z][0-9][A-Z][0-9][A-Z][0-9]", fullmatch=True)
any_code = st.one_of(zip5, canadian, st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True))


@st.composite
def disguised(draw: st.DrawFn, code: str) -> str:
    """The same code with spaces/dashes inserted anywhere and any character's case flipped."""
    out = draw(st.sampled_from(["", " ", "-", " - "]))
    for ch in code:
        out += ch.lower() if draw(st.booleans()) else ch
        out += draw(st.sampled_from(["", "", " ", "-"]))
    return out


@given(any_code, st.data())
def test_postal_match_is_invariant_under_spaces_dashes_and_case(code: str, data: st.DataObject) -> None:
    # Given any code and two disguised spellings of it
    entered, stored = data.draw(disguised(code)), data.draw(disguised(code))
    # Then they match each other, and normalisation undoes the disguise
    assert normalise_postal_code(entered) == code
    assert postal_codes_match(entered, stored)


@given(zip5, st.none() | zip4, st.none() | zip4, st.data())
def test_us_codes_match_under_any_zip4_suffix(
    zip_code: str, entered_plus4: str | None, stored_plus4: str | None, data: st.DataObject
) -> None:
    # Given a ZIP entered and stored with or without any +4 suffixes
    entered = zip_code + (f"-{entered_plus4}" if entered_plus4 else "")
    stored = zip_code + (data.draw(st.sampled_from(["-", " ", ""])) + stored_plus4 if stored_plus4 else "")
    # Then they match
    assert postal_codes_match(entered, stored)


@given(zip5, zip5)
def test_different_zip_codes_never_match(a: str, b: str) -> None:
    # Given two ZIP codes / Then they match only when equal
    assert postal_codes_match(a, b) is (a == b)


@given(canadian, canadian)
def test_different_canadian_codes_never_match(a: str, b: str) -> None:
    assert postal_codes_match(a, b) is (a == b)


@given(st.text(max_size=15))
def test_normalise_postal_code_is_idempotent_and_alphanumeric(value: str) -> None:
    once = normalise_postal_code(value)
    assert normalise_postal_code(once) == once
    assert all(ch.isascii() and ch.isalnum() and not ch.islower() for ch in once)


# ---- enrollment_eligibility -------------------------------------------------------------------------------------

CUSTOMER_EMAIL = "Owner@Acme-Farms.example"
CONTACT_EMAIL = "ap@acme-farms.example"
BILL_TO_EMAIL = "billing@acme-farms.example"
STORED_POSTAL = "53703-1234"

REQUEST = EnrollmentRequest(
    first_name="Ann", last_name="Lee", email="owner@acme-farms.example", postal_code="53703", contract_id="CN-001"
)


def good_contract(**changes: object) -> ContractFacts:
    base = ContractFacts(
        "CN-001", True, False, "ACME", {"A-1": frozenset({"Customer"}), "G-1": frozenset({"Guarantor"})}
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def good_facts(**changes: object) -> EnrollmentFacts:
    base = EnrollmentFacts(
        contract=good_contract(),
        customer_account_id="A-1",
        customer_email=f"{CUSTOMER_EMAIL}; other@acme-farms.example",
        contact_emails=[CONTACT_EMAIL, None, "x@y.example, z@y.example"],
        bill_to_email=BILL_TO_EMAIL,
        billing_postal_code=STORED_POSTAL,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_matching_request_is_eligible_with_the_full_checklist() -> None:
    # Given a request whose email is the customer's, for a booked contract, with the right ZIP
    verdict = enrollment_eligibility(REQUEST, good_facts())
    # Then every check passes, in order
    assert verdict.ok
    assert is_eligible(REQUEST, good_facts())
    assert tuple(c.rule for c in verdict.checks) == RULES
    assert verdict.checks[0].detail == "contract CN-001 exists on this site"
    assert verdict.checks[2].detail == "account A-1 holds the Customer role on contract CN-001"
    assert verdict.checks[3].detail == "the entered email matches the customer email of account A-1"
    assert "US comparison of the first 5 characters" in verdict.checks[4].detail
    assert verdict.as_dict("eligible", "not_eligible")["verdict"] == "eligible"


# Each mutation breaks exactly one rule while the others keep passing.
SINGLE_FAILURES: list[tuple[str, Callable[[], tuple[EnrollmentRequest, EnrollmentFacts]], str]] = [
    (
        "contract_booked",
        lambda: (REQUEST, good_facts(contract=good_contract(booked=False))),
        "contract CN-001 is not booked",
    ),
    (
        "contract_has_customer",
        lambda: (REQUEST, good_facts(contract=good_contract(roles={"G-1": frozenset({"Guarantor"})}))),
        "contract CN-001 has no account with the Customer role",
    ),
    (
        "contract_has_customer",
        lambda: (REQUEST, good_facts(customer_account_id="G-1")),
        "account G-1 does not hold the Customer role on contract CN-001 (Customer role held by A-1)",
    ),
    (
        "email_matches_customer_contact_or_bill_to",
        lambda: (dataclasses.replace(REQUEST, email="stranger@example.com"), good_facts()),
        "the entered email matches neither the customer email nor a contact email of account A-1 nor the bill-to "
        "location email of contract CN-001 (a customer email on file, 3 contact emails on file, "
        "a bill-to email on file)",
    ),
    (
        "postal_code_matches",
        lambda: (dataclasses.replace(REQUEST, postal_code="53704"), good_facts()),
        "the entered postal code does not match the billing postal code of contract CN-001 "
        "(US comparison of the first 5 characters)",
    ),
]


@pytest.mark.parametrize(("rule", "make", "detail"), SINGLE_FAILURES)
def test_each_check_fails_on_its_own(
    rule: str, make: Callable[[], tuple[EnrollmentRequest, EnrollmentFacts]], detail: str
) -> None:
    # Given a request and facts broken in exactly one respect
    request, facts = make()
    # When checking eligibility
    verdict = enrollment_eligibility(request, facts)
    # Then exactly that rule fails, with a detail naming the deciding data, and the checklist is complete
    assert [c.rule for c in verdict.failed] == [rule]
    assert verdict.failed[0].detail == detail
    assert tuple(c.rule for c in verdict.checks) == RULES
    assert not is_eligible(request, facts)


def test_unknown_contract_fails_existence_and_the_rest_cannot_be_checked() -> None:
    # Given no contract with the typed id on this site
    verdict = enrollment_eligibility(REQUEST, EnrollmentFacts(contract=None))
    # Then contract_exists fails and every later check fails saying why
    assert tuple(c.rule for c in verdict.checks) == RULES
    assert verdict.first_failure.detail == "no contract CN-001 on this site"  # type: ignore[union-attr]
    assert all(not c.passed for c in verdict.checks)
    assert all(c.detail == "cannot be checked: no contract CN-001 on this site" for c in verdict.checks[1:])


@pytest.mark.parametrize(
    ("email", "source"),
    [
        ("OTHER@acme-farms.example", "the customer email of account A-1"),
        ("AP@Acme-Farms.example", "a contact email of account A-1"),
        ("z@y.example", "a contact email of account A-1"),
        ("billing@ACME-farms.example", "the bill-to location email of contract CN-001"),
    ],
)
def test_email_detail_names_the_source_that_matched(email: str, source: str) -> None:
    # Given an entered email found in one source, in any case and inside multi-address fields
    verdict = enrollment_eligibility(dataclasses.replace(REQUEST, email=email), good_facts())
    # Then the email check passes and says which source matched
    check = verdict.get("email_matches_customer_contact_or_bill_to")
    assert verdict.ok
    assert check is not None
    assert check.detail == f"the entered email matches {source}"


def test_email_detail_names_every_source_that_matched() -> None:
    # Given the same address stored as customer, contact and bill-to email
    facts = good_facts(customer_email=CONTACT_EMAIL, bill_to_email=CONTACT_EMAIL)
    verdict = enrollment_eligibility(dataclasses.replace(REQUEST, email=CONTACT_EMAIL), facts)
    # Then all three sources are named
    assert verdict.checks[3].detail == (
        "the entered email matches the customer email of account A-1 and a contact email of account A-1 "
        "and the bill-to location email of contract CN-001"
    )


def test_failed_email_check_reports_what_is_on_file() -> None:
    # Given a contract with no stored emails at all
    facts = good_facts(customer_email=None, contact_emails=[], bill_to_email="  ")
    verdict = enrollment_eligibility(REQUEST, facts)
    # Then the failure says nothing is on file
    assert verdict.checks[3].detail.endswith(
        "(no customer email on file, 0 contact emails on file, no bill-to email on file)"
    )


def test_an_empty_email_never_matches() -> None:
    # Given an empty entered email and an empty stored field
    facts = good_facts(customer_email="", bill_to_email=";")
    verdict = enrollment_eligibility(dataclasses.replace(REQUEST, email="  "), facts)
    # Then the email check fails
    assert verdict.checks[3].detail == "no email was entered"


def test_details_never_echo_stored_addresses_or_postal_codes() -> None:
    # Given requests that pass and that fail each check
    cases = [(REQUEST, good_facts())] + [make() for _, make, _ in SINGLE_FAILURES]
    stored = [CUSTOMER_EMAIL, CONTACT_EMAIL, BILL_TO_EMAIL, "other@acme-farms.example", "x@y.example", "53703"]
    for request, facts in cases:
        for check in enrollment_eligibility(request, facts).checks:
            # Then no detail contains a stored address or the stored postal code, in any case
            assert not any(value.casefold() in check.detail.casefold() for value in stored), check


def test_canadian_postal_code_compares_six_characters() -> None:
    # Given a Canadian billing postal code
    facts = good_facts(billing_postal_code="K1A 0B1")
    # Then a differently spelled entry matches and the detail says it was a Canadian comparison
    verdict = enrollment_eligibility(dataclasses.replace(REQUEST, postal_code="k1a-0b1"), facts)
    assert verdict.ok
    assert "Canadian comparison of the first 6 characters" in verdict.checks[4].detail
    # And a different code does not
    assert not enrollment_eligibility(dataclasses.replace(REQUEST, postal_code="K1A 0B2"), facts).ok


def test_unknown_postal_format_needs_an_exact_match() -> None:
    # Given a billing postal code that is neither US nor Canadian
    facts = good_facts(billing_postal_code="SW1A 1AA")
    verdict = enrollment_eligibility(dataclasses.replace(REQUEST, postal_code="sw1a1aa"), facts)
    # Then it matches exactly and says so
    assert verdict.ok
    assert "exact comparison" in verdict.checks[4].detail


@pytest.mark.parametrize(
    ("entered", "stored", "detail_part"),
    [
        ("", STORED_POSTAL, "no postal code was entered"),
        ("53703", None, "has no billing postal code on file"),
        ("53703", " - ", "has no billing postal code on file"),
    ],
)
def test_missing_postal_codes_fail_with_a_reason(entered: str, stored: str | None, detail_part: str) -> None:
    verdict = enrollment_eligibility(
        dataclasses.replace(REQUEST, postal_code=entered), good_facts(billing_postal_code=stored)
    )
    assert [c.rule for c in verdict.failed] == ["postal_code_matches"]
    assert detail_part in verdict.failed[0].detail


def test_names_are_not_matched() -> None:
    # Given names that appear nowhere in ASPIRE / Then the request is still eligible
    request = dataclasses.replace(REQUEST, first_name="Zed", last_name="Nobody")
    assert is_eligible(request, good_facts())


def test_a_terminated_booked_contract_still_qualifies() -> None:
    # Given the contract is booked but terminated / Then PRODUCT.md only requires booked
    assert is_eligible(REQUEST, good_facts(contract=good_contract(terminated=True)))


def test_contact_emails_are_stored_as_a_tuple() -> None:
    assert good_facts().contact_emails == (CONTACT_EMAIL, None, "x@y.example, z@y.example")


@given(
    booked=st.booleans(),
    has_customer=st.booleans(),
    email_source=st.sampled_from(["customer", "contact", "bill_to", "none"]),
    postal_ok=st.booleans(),
)
def test_eligible_iff_every_condition_holds(
    booked: bool, has_customer: bool, email_source: str, postal_ok: bool
) -> None:
    # Given facts built to satisfy or break each condition independently
    roles = {"A-1": frozenset({"Customer" if has_customer else "Guarantor"})}
    email = "person@example.com"
    facts = EnrollmentFacts(
        contract=ContractFacts("CN-001", booked, False, None, roles),
        customer_account_id="A-1",
        customer_email=email if email_source == "customer" else "a@b.example",
        contact_emails=[email] if email_source == "contact" else [],
        bill_to_email=f"x@y.example; {email.upper()}" if email_source == "bill_to" else None,
        billing_postal_code="53703" if postal_ok else "60601",
    )
    request = EnrollmentRequest("Ann", "Lee", email, "53703-0001", "CN-001")
    # When checking eligibility
    verdict = enrollment_eligibility(request, facts)
    # Then each check reflects its own condition, and the verdict all of them
    assert [c.passed for c in verdict.checks] == [True, booked, has_customer, email_source != "none", postal_ok]
    assert verdict.ok is (booked and has_customer and email_source != "none" and postal_ok)
