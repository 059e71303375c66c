"""`next_token`: opaque, tamper-evident, bound to one list of one session; anything else is a 400."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.api.resolver import status_for
from portal.services.pagination import (
    MAX_TOKEN_LENGTH,
    InvalidPageToken,
    PageScope,
    decode_page_token,
    encode_page_token,
    int_position,
    pair_position,
    text_position,
)

SCOPE = PageScope("summit", "U-1", "S-1", "contracts?status=open")


def test_a_token_gives_back_its_position() -> None:
    token = encode_page_token("C-00025", SCOPE)
    assert decode_page_token(token, SCOPE, text_position) == "C-00025"
    assert decode_page_token(encode_page_token(["2026-11-15", "7"], SCOPE), SCOPE, pair_position) == ("2026-11-15", "7")
    assert decode_page_token(encode_page_token(12, SCOPE), SCOPE, int_position) == 12


def test_a_token_is_opaque_url_safe_text() -> None:
    token = encode_page_token("C-00025", SCOPE)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert "C-00025" not in token


@pytest.mark.parametrize(
    "other",
    [
        PageScope("harvest", "U-1", "S-1", "contracts?status=open"),
        PageScope("summit", "U-2", "S-1", "contracts?status=open"),
        PageScope("summit", "U-1", "S-2", "contracts?status=open"),
        PageScope("summit", "U-1", "S-1", "contracts?status=closed"),
    ],
    ids=["other site", "other user", "other session", "other list"],
)
def test_a_token_is_refused_outside_its_scope(other: PageScope) -> None:
    token = encode_page_token("C-00025", SCOPE)
    with pytest.raises(InvalidPageToken):
        decode_page_token(token, other, text_position)


def test_a_changed_position_is_detected() -> None:
    token = encode_page_token("C-00025", SCOPE)
    _, tag = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"p": "C-99999", "v": 1}).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidPageToken):
        decode_page_token(f"{forged}.{tag}", SCOPE, text_position)


def test_a_position_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(InvalidPageToken):
        decode_page_token(encode_page_token(["a", "b"], SCOPE), SCOPE, text_position)
    with pytest.raises(InvalidPageToken):
        decode_page_token(encode_page_token(True, SCOPE), SCOPE, int_position)
    with pytest.raises(InvalidPageToken):
        decode_page_token(encode_page_token(-1, SCOPE), SCOPE, int_position)


def test_an_invalid_token_answers_400_with_a_code() -> None:
    error = InvalidPageToken()
    assert status_for(error) == 400 and error.code == "invalid_next_token" and error.message


@given(st.text(max_size=MAX_TOKEN_LENGTH + 10))
def test_any_text_is_either_refused_cleanly_or_was_issued(text: str) -> None:
    try:
        decode_page_token(text, SCOPE, text_position)
    except InvalidPageToken:
        return
    pytest.fail(f"accepted a token nobody issued: {text!r}")


@given(st.one_of(st.text(min_size=1, max_size=64), st.integers(min_value=0, max_value=99_999)))
def test_every_issued_position_round_trips(position: str | int) -> None:
    validator = text_position if isinstance(position, str) else int_position
    assert decode_page_token(encode_page_token(position, SCOPE), SCOPE, validator) == position
