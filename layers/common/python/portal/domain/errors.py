"""Domain exceptions shared across the project.

Each exception carries a snake_case ``code`` and a human ``message``. The API layer maps the exception classes to
HTTP statuses in one place; the domain itself knows nothing about HTTP.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "DomainError",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "Unauthorized",
    "ValidationFailed",
]


class DomainError(Exception):
    """Base class of every domain exception: a snake_case ``code`` and a human ``message``."""

    default_code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: str = code or self.default_code

    def as_dict(self) -> dict[str, Any]:
        """The error body of API.md without the envelope: ``{"code": ..., "message": ...}``."""
        return {"code": self.code, "message": self.message}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BadRequest(DomainError):
    """The client sent something this API cannot use (a bad link token, a foreign page token, ...)."""

    default_code = "bad_request"


class NotFound(DomainError):
    """The object does not exist, or belongs to another user or site (never revealed as such)."""

    default_code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state of the object."""

    default_code = "conflict"


class ValidationFailed(DomainError):
    """The request is well formed but its values break a rule; ``fields`` says which fields and why."""

    default_code = "validation_failed"

    def __init__(self, message: str, code: str | None = None, *, fields: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, code)
        self.fields: list[dict[str, Any]] = list(fields) if fields else []

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        if self.fields:
            body["fields"] = [dict(field) for field in self.fields]
        return body


class Forbidden(DomainError):
    """The caller is authenticated but not allowed to do this."""

    default_code = "forbidden"


class Unauthorized(DomainError):
    """The caller is not authenticated (missing, invalid, expired or revoked credentials)."""

    default_code = "unauthorized"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` is the number of seconds to wait, when known."""

    default_code = "rate_limited"

    def __init__(self, message: str, code: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message, code)
        self.retry_after: int | None = retry_after


class ConfigurationError(DomainError):
    """The portal's configuration (sites, labels, settings) is inconsistent: our fault, never the caller's."""

    default_code = "configuration_error"
