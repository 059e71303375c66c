"""Email templates (branded, links carry `?token=`, codes as plain digits) and TOTP step matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from portal.emails import (
    EmailBranding,
    already_registered_email,
    mfa_code_email,
    password_reset_email,
    registration_email,
)
from portal.services.identity.totp import matching_step

BRAND = EmailBranding("Summit <Finance>", "https://x.test/logo.svg", "#0B5FFF", "help@summit.example")
LINK = "http://127.0.0.1:8000/sites/summit/verify-email?token=abc-DEF_123"


def test_registration_email_carries_the_link_with_its_token_in_both_parts() -> None:
    mail = registration_email("pat@example.com", BRAND, "Pat", LINK)
    assert LINK in mail.text and "24 hours" in mail.text
    assert parse_qs(urlsplit(LINK).query)["token"] == ["abc-DEF_123"]
    assert "abc-DEF_123" in mail.html and "#0B5FFF" in mail.html and "https://x.test/logo.svg" in mail.html
    assert "help@summit.example" in mail.text and "help@summit.example" in mail.html
    assert "Summit &lt;Finance&gt;" in mail.html and "<Finance>" not in mail.html  # escaped
    assert mail.subject == "Confirm your email for Summit <Finance>"


def test_mfa_email_shows_the_code_as_plain_digits() -> None:
    mail = mfa_code_email("pat@example.com", BRAND, "042917")
    assert "sign-in code is 042917" in mail.text and "042917" in mail.html
    assert "5 minutes" in mail.text and "?token=" not in mail.text


def test_reset_and_already_registered_emails() -> None:
    reset = password_reset_email("pat@example.com", BRAND, "http://h/sites/summit/reset-password?token=t1")
    assert "?token=t1" in reset.text and "30 minutes" in reset.text and reset.kind == "password_reset"
    notice = already_registered_email("pat@example.com", BRAND, "http://h/login", "http://h/forgot")
    assert "http://h/login" in notice.text and "http://h/forgot" in notice.text and "?token=" not in notice.text


SECRET = pyotp.random_base32()
T = datetime(2026, 11, 2, 15, 0, 10, tzinfo=UTC)


def test_a_code_matches_its_step_and_one_step_of_drift_either_way() -> None:
    totp = pyotp.TOTP(SECRET)
    step = totp.timecode(T)
    assert matching_step(SECRET, totp.at(T), T) == step
    assert matching_step(SECRET, totp.at(T - timedelta(seconds=30)), T) == step - 1
    assert matching_step(SECRET, totp.at(T + timedelta(seconds=30)), T) == step + 1


@pytest.mark.parametrize("offset", [-90, -60, 60, 90])
def test_codes_further_away_do_not_match(offset: int) -> None:
    code = pyotp.TOTP(SECRET).at(T + timedelta(seconds=offset))
    assert matching_step(SECRET, code, T) is None or pyotp.TOTP(SECRET).at(T) == code


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 345"])
def test_malformed_codes_never_match(code: str) -> None:
    assert matching_step(SECRET, code, T) is None
