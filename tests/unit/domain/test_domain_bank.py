"""Bank account rules: ABA routing numbers, SEC codes, last 4 digits (PRODUCT.md section 5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.bank import (
    aba_check_digit,
    aba_routing_number_check,
    last4,
    routing_number_valid,
    sec_code_for,
)
from portal.domain.errors import ValidationFailed

ARABIC_INDIC_011000015 = "".join(chr(0x0660 + int(d)) for d in "011000015")  # digits, but not ASCII digits
REAL_ROUTING_NUMBERS = ["011000015", "021000021", "111000025", "026009593", "121000358"]


@pytest.mark.parametrize("routing_number", REAL_ROUTING_NUMBERS)
def test_real_routing_numbers_pass(routing_number: str) -> None:
    # Given a real ABA routing number / When checked / Then it passes
    check = aba_routing_number_check(routing_number)
    assert check.rule == "aba_routing_number"
    assert check.passed
    assert check.detail == "routing number has 9 digits and passes the ABA checksum"
    assert routing_number_valid(routing_number)


def test_surrounding_whitespace_is_ignored() -> None:
    assert routing_number_valid(" 011000015\n")


@pytest.mark.parametrize(
    ("routing_number", "detail"),
    [
        ("000000000", "routing number is all zeros"),
        (
            "011000016",
            "this is not a valid routing number (its check digit does not match): check the 9 digits on a check",
        ),
        ("01100001", "routing number must have exactly 9 digits, not 8"),
        ("0110000150", "routing number must have exactly 9 digits, not 10"),
        ("01100001a", "routing number contains characters other than the digits 0-9"),
        ("011-000-015", "routing number contains characters other than the digits 0-9"),
        ("0110 00015", "routing number contains characters other than the digits 0-9"),
        (
            "\u0660\u0661\u0661\u0660\u0660\u0660\u0660\u0661\u0665",
            "routing number contains characters other than the digits 0-9",
        ),
        ("", "no routing number was given"),
        ("   ", "no routing number was given"),
    ],
)
def test_invalid_routing_numbers_fail_saying_why(routing_number: str, detail: str) -> None:
    # Given an invalid routing number / When checked / Then it fails with the reason
    check = aba_routing_number_check(routing_number)
    assert not check.passed
    assert check.detail == detail
    assert not routing_number_valid(routing_number)


@pytest.mark.parametrize(("first8", "digit"), [(rn[:8], rn[8]) for rn in REAL_ROUTING_NUMBERS])
def test_check_digit_of_real_routing_numbers(first8: str, digit: str) -> None:
    assert aba_check_digit(first8) == digit


@pytest.mark.parametrize("bad", ["1234567", "123456789", "1234567a"])
def test_check_digit_needs_eight_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        aba_check_digit(bad)


first8s = st.from_regex(r"[0-9]{8}", fullmatch=True).filter(lambda s: s != "00000000")


@given(first8s)
def test_numbers_with_a_computed_check_digit_pass(first8: str) -> None:
    # Given any 8 digits completed with the computed check digit / Then the number passes
    routing_number = first8 + aba_check_digit(first8)
    assert routing_number_valid(routing_number)
    # And the detail never echoes the number
    assert routing_number not in aba_routing_number_check(routing_number).detail


@given(first8s, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_of_a_valid_number_fails(first8: str, position: int, shift: int) -> None:
    # Given a valid routing number
    valid = first8 + aba_check_digit(first8)
    # When one digit is changed to any other digit
    changed_digit = str((int(valid[position]) + shift) % 10)
    changed = valid[:position] + changed_digit + valid[position + 1 :]
    # Then it fails (the checksum catches every single-digit error)
    check = aba_routing_number_check(changed)
    assert not check.passed
    assert changed not in check.detail


@given(st.from_regex(r"[0-9]{0,20}", fullmatch=True).filter(lambda s: len(s) != 9))
def test_digit_strings_of_the_wrong_length_fail(digits: str) -> None:
    assert not routing_number_valid(digits)


def test_sec_code_follows_the_account_owner_type() -> None:
    # Given personal and business accounts / Then WEB and CCD
    assert sec_code_for("personal") == "WEB"
    assert sec_code_for("business") == "CCD"


def test_unknown_owner_type_is_a_validation_failure() -> None:
    with pytest.raises(ValidationFailed) as caught:
        sec_code_for("corporate")  # type: ignore[arg-type]
    assert caught.value.fields[0]["field"] == "owner_type"


@pytest.mark.parametrize(
    ("account_number", "expected"),
    [("123456789", "6789"), ("0001234", "1234"), ("12-34 5678", "5678"), ("1234", "1234"), ("12", "12"), ("", "")],
)
def test_last4(account_number: str, expected: str) -> None:
    # Given an account number / Then only its last 4 digits are shown
    assert last4(account_number) == expected


@given(st.from_regex(r"[0-9]{4,17}", fullmatch=True))
def test_last4_is_the_tail_of_the_digits(account_number: str) -> None:
    assert last4(account_number) == account_number[-4:]
