"""Domain exceptions: codes, messages and extras."""

from __future__ import annotations

import pytest

from portal.domain.errors import (
    ConfigurationError,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)

DEFAULT_CODES = [
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (ValidationFailed, "validation_failed"),
    (Forbidden, "forbidden"),
    (Unauthorized, "unauthorized"),
    (RateLimited, "rate_limited"),
    (ConfigurationError, "configuration_error"),
]


@pytest.mark.parametrize(("error_type", "code"), DEFAULT_CODES)
def test_each_error_has_its_default_code_and_keeps_the_message(error_type: type[DomainError], code: str) -> None:
    # Given an error raised with only a message
    error = error_type("There is no such thing.")
    # Then it is a DomainError with the default code and the message
    assert isinstance(error, DomainError)
    assert error.code == code
    assert error.message == "There is no such thing."
    assert str(error) == "There is no such thing."
    assert error.as_dict() == {"code": code, "message": "There is no such thing."}


@pytest.mark.parametrize(("error_type", "code"), DEFAULT_CODES)
def test_a_given_code_overrides_the_default(error_type: type[DomainError], code: str) -> None:
    # Given an error raised with a specific code / Then that code wins
    assert error_type("message", "site_not_found").code == "site_not_found"
    assert error_type("message", code="site_not_found").code == "site_not_found"


def test_validation_failed_carries_field_details() -> None:
    # Given a validation failure naming a field
    error = ValidationFailed("Invalid.", fields=[{"field": "email", "issue": "not an email"}])
    # Then the fields are kept and rendered
    assert error.fields == [{"field": "email", "issue": "not an email"}]
    assert error.as_dict()["fields"] == [{"field": "email", "issue": "not an email"}]
    # And without fields the list is empty and not rendered
    assert ValidationFailed("Invalid.").fields == []
    assert "fields" not in ValidationFailed("Invalid.").as_dict()


def test_rate_limited_carries_retry_after() -> None:
    # Given a rate-limit error with and without a retry hint / Then retry_after is kept or None
    assert RateLimited("Slow down.", retry_after=30).retry_after == 30
    assert RateLimited("Slow down.").retry_after is None


def test_domain_errors_can_be_raised_and_caught_as_domain_error() -> None:
    # Given code raising a NotFound / When caught as DomainError / Then its code survives
    with pytest.raises(DomainError) as caught:
        raise NotFound("gone", code="user_not_found")
    assert caught.value.code == "user_not_found"
    assert "user_not_found" in repr(caught.value)
