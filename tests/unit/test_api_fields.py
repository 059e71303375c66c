"""The shared text types of request bodies: control characters are a validation error, never stored."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from portal.api.fields import Code, Email, Id, Name, PostalCode, Secret, Text, Token

CONTROL = ["\x00", "\x07", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\u2028", "\u2029"]
# Characters that make a name display as something it is not: bidi overrides/isolates, marks, zero width, BOM.
DISGUISING = ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u200b", "\ufeff"]


class Everything(BaseModel):
    text: Text = "x"
    name: Name = "x"
    email: Email = "pat@example.com"
    id: Id = "x"
    code: Code = "x"
    token: Token = "x"
    postal: PostalCode = "x"
    secret: Secret = "x"


FIELDS = list(Everything.model_fields)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("char", CONTROL + DISGUISING, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_inside_any_text_field_is_invalid(field: str, char: str) -> None:
    # Given a value with a control character between ordinary characters
    value = f"pat{char}@example.com" if field == "email" else f"ab{char}cd"
    # When it is validated / Then only that field fails
    with pytest.raises(ValidationError) as caught:
        Everything.model_validate({field: value})
    errors = caught.value.errors(include_input=False)
    assert [e["loc"] for e in errors] == [(field,)]
    # (an email's pattern already refuses whitespace, so a tab or a line separator fails the pattern first)
    assert "control characters" in errors[0]["msg"] or (field == "email" and char.isspace())


def test_ordinary_text_is_kept_and_trimmed_types_drop_surrounding_whitespace() -> None:
    # Given values with accents, spaces and surrounding whitespace (a trailing newline from a paste)
    model = Everything.model_validate({"name": "  Zoë O'Brien-Núñez\n", "secret": " pass phrase ", "email": " a@b.co "})
    # Then trimmed types are trimmed, and a password is kept exactly
    assert model.name == "Zoë O'Brien-Núñez" and model.email == "a@b.co" and model.secret == " pass phrase "


def test_a_password_with_a_control_character_at_its_end_is_invalid_too() -> None:
    # A password is never trimmed, so a trailing control character is not silently removed either
    with pytest.raises(ValidationError):
        Everything.model_validate({"secret": "pass phrase\n"})


def test_joiners_that_scripts_and_emoji_need_are_kept() -> None:
    # Given a name with a zero-width non-joiner (Persian) and an emoji sequence with a zero-width joiner
    value = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb"
    # When it is validated / Then it is kept as typed
    assert Everything.model_validate({"name": value}).name == value
