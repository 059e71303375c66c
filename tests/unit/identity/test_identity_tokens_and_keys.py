"""Secrets and identity keys: random, hashed, bound to the site; no key can be forged from an email."""

from __future__ import annotations

import pytest

from portal.adapters.dynamodb import identity_keys as ik
from portal.services.identity import tokens


def test_session_tokens_are_256_bit_and_name_their_site() -> None:
    token = tokens.new_session_token("summit")
    site, _, secret = token.partition(".")
    assert site == "summit" and len(secret) == 43  # 32 bytes, base64url
    assert tokens.session_token_site(token) == "summit"
    assert tokens.new_session_token("summit") != token


@pytest.mark.parametrize("bad", ["", "summit", "summit.", "summit.short", "S#x.aaaa", "..", "summit." + "a" * 44])
def test_malformed_tokens_belong_to_no_site(bad: str) -> None:
    assert tokens.session_token_site(bad) is None


def test_only_hashes_are_stored_and_codes_are_bound_to_their_challenge() -> None:
    assert tokens.sha256_hex("x") != "x" and len(tokens.sha256_hex("x")) == 64
    code = tokens.new_code()
    assert len(code) == 6 and code.isdigit()
    stored = tokens.code_hash("c1", code)
    assert tokens.code_matches("c1", f" {code} ", stored)
    assert not tokens.code_matches("c2", code, stored)
    assert not tokens.code_matches("c1", "12345a", stored)
    assert not tokens.code_matches("c1", code, None)


def test_every_identity_key_starts_with_the_site() -> None:
    h = "0" * 64
    for built in (
        ik.user_pk("summit", "u1"),
        ik.email_pk("summit", "Pat@Example.com"),
        ik.session_pk("summit", h),
        ik.challenge_pk("summit", "abc"),
        ik.email_token_pk("summit", h),
        ik.address_pk("summit", "2001:db8::1"),
        ik.users_index_pk("summit"),
        ik.account_users_index_pk("summit", "A-1"),
    ):
        assert built.startswith("S#summit#")


def test_emails_are_normalised_and_cannot_forge_a_key() -> None:
    assert ik.email_pk("summit", " Pat@Example.COM ") == ik.email_pk("summit", "pat@example.com")
    forged = ik.email_pk("summit", "x#U#victim@example.com")
    assert "#U#" not in forged.removeprefix("S#summit#E#") and "%23" in forged


@pytest.mark.parametrize("bad", ["a#b", "", "x" * 129, "a b", "é"])
def test_unsafe_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        ik.user_pk("summit", bad)


def test_token_keys_take_only_digests() -> None:
    with pytest.raises(ValueError):
        ik.session_pk("summit", "summit.raw-token-value")
