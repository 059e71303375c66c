"""Small rules behind the ASPIRE integration and its demo data: versions, ABA check digits, postal codes, money."""

from __future__ import annotations

import random

import pytest

from local.aspire.personas import DEMO_SITES, site_for_label
from local.aspire.seed import aba_routing_number, add_months, money, typed_postal_code
from portal.adapters.aspire.port import aspire_version_supported, parse_aspire_version


def aba_valid(routing: str) -> bool:
    """Independent 3-7-1 checksum (the test's own, not the code under test)."""
    weights = [3, 7, 1] * 3
    return (
        len(routing) == 9
        and routing.isdigit()
        and sum(w * int(d) for w, d in zip(weights, routing, strict=True)) % 10 == 0
    )


# ---- ASPIRE version --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("5.20.17", True),
        ("5.20.16", False),
        ("5.21.3", True),
        ("5.3.99", False),
        ("6.0.0", True),
        ("5.20.17-hotfix2", True),
        ("", False),
        ("unknown", False),
    ],
)
def test_minimum_aspire_version_is_5_20_17(version: str, supported: bool) -> None:
    assert aspire_version_supported(version) is supported


def test_versions_compare_numerically_not_as_text() -> None:
    assert parse_aspire_version("5.100.0") == (5, 100, 0)
    assert aspire_version_supported("5.100.0")


# ---- ABA routing numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first8", "routing"), [("01100001", "011000015"), ("02100002", "021000021")])
def test_aba_check_digit_matches_real_routing_numbers(first8: str, routing: str) -> None:
    # Given the first 8 digits of real Federal Reserve / bank routing numbers
    # When the check digit is computed
    # Then the result is the published routing number
    assert aba_routing_number(first8) == routing


def test_generated_routing_numbers_always_pass_the_checksum() -> None:
    # Given many random 8-digit prefixes
    rng = random.Random(7)
    prefixes = [f"{rng.randrange(10**8):08d}" for _ in range(2_000)]

    # When routing numbers are made from them
    routings = [aba_routing_number(p) for p in prefixes]

    # Then every one passes the independent checksum
    assert all(aba_valid(r) for r in routings)


def test_aba_prefix_must_be_eight_digits() -> None:
    with pytest.raises(ValueError, match="exactly 8 leading digits"):
        aba_routing_number("1234")


# ---- postal codes as typed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("60614", "60614"),
        ("60614-1234", "60614"),
        ("606141234", "60614"),
        ("K1A 0B1", "K1A 0B1"),
        ("K1A0B1", "K1A 0B1"),
        ("k1a-0b1", "K1A 0B1"),
    ],
)
def test_postal_codes_are_typed_the_way_customers_type_them(stored: str, typed: str) -> None:
    assert typed_postal_code(stored) == typed


# ---- money and dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cents", "text"), [(0, "0.00"), (5, "0.05"), (123456, "1234.56"), (-250, "-2.50")])
def test_money_is_exact_decimal_text(cents: int, text: str) -> None:
    assert money(cents) == text


def test_add_months_crosses_year_ends() -> None:
    import datetime as dt

    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 1, 1), -13) == dt.date(2024, 12, 1)


# ---- demo sites ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "site"),
    [(None, "summit"), ("", "summit"), ("AGRI", "harvest"), (" med ", "careline"), ("DENTAL", "careline"),
     ("LEGACY", None)],
)  # fmt: skip
def test_labels_map_to_exactly_the_demo_sites(label: str | None, site: str | None) -> None:
    assert site_for_label(label) == site


def test_demo_sites_are_the_three_brands() -> None:
    by_id = {s["site_id"]: s for s in DEMO_SITES}
    assert set(by_id) == {"summit", "harvest", "careline"}
    assert [s["site_id"] for s in DEMO_SITES if s["is_default"]] == ["summit"]
    assert by_id["summit"]["display_name"] == "Summit Equipment Finance" and by_id["summit"]["mfa_enabled"]
    assert by_id["harvest"]["private_labels"] == ["AGRI"] and not by_id["harvest"]["mfa_enabled"]
    assert by_id["careline"]["private_labels"] == ["MED", "DENTAL"] and by_id["careline"]["mfa_enabled"]
