"""`next_token`: the opaque, tamper-evident position of a list page (API.md lists).

A token is ``base64url(JSON position) "." base64url(HMAC-SHA256 tag)``. The tag covers the position and the list
it belongs to (route and filters), keyed by the signed-in session (site, user, session), so a token that was
altered, truncated, or taken to another list, user or session is refused with 400 instead of paging somewhere
unexpected. The token carries no authority: every key still comes from the verified principal and every item
on every page passes the visibility rule, so the worst a forged token could do is skip ahead in the caller's
own list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from portal.domain.errors import BadRequest

__all__ = [
    "MAX_TOKEN_LENGTH",
    "InvalidPageToken",
    "PageScope",
    "decode_page_token",
    "encode_page_token",
    "int_position",
    "pair_position",
    "text_position",
]

MAX_TOKEN_LENGTH = 1024
_VERSION = 1
_DOMAIN = b"customer-portal/page-token/v1"

T = TypeVar("T")


class InvalidPageToken(BadRequest):
    """A `next_token` this API did not issue for this list and session (answered with 400)."""

    default_code = "invalid_next_token"

    def __init__(self) -> None:
        super().__init__("The next_token is not valid for this list; start again from the first page.")


@dataclass(frozen=True)
class PageScope:
    """The one list a token is valid for: ``listing`` names the route and its filters."""

    site_id: str
    user_id: str
    session_id: str
    listing: str

    def _key(self) -> bytes:
        parts = (_DOMAIN, self.site_id.encode(), self.user_id.encode(), self.session_id.encode())
        return hashlib.sha256(b"\x00".join(parts)).digest()

    def tag(self, payload: str) -> bytes:
        message = self.listing.encode() + b"\x00" + payload.encode()
        return hmac.new(self._key(), message, hashlib.sha256).digest()[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_page_token(position: Any, scope: PageScope) -> str:
    body = json.dumps({"v": _VERSION, "p": position}, separators=(",", ":"), sort_keys=True)
    payload = _b64(body.encode())
    return f"{payload}.{_b64(scope.tag(payload))}"


def decode_page_token(token: str, scope: PageScope, position: Callable[[Any], T | None]) -> T:
    """The position in ``token``; ``position`` validates its shape (None: not a valid position).

    Raises InvalidPageToken for anything this API did not issue for ``scope``.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidPageToken()
    payload, tag = token.split(".")
    try:
        given = _unb64(tag)
        if not hmac.compare_digest(given, scope.tag(payload)):
            raise InvalidPageToken()
        body = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeError) as error:
        raise InvalidPageToken() from error
    if not isinstance(body, dict) or body.get("v") != _VERSION or "p" not in body:
        raise InvalidPageToken()
    value = position(body["p"])
    if value is None:
        raise InvalidPageToken()
    return value


# --- position shapes --------------------------------------------------------------------------------------------
def text_position(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 256 else None


def int_position(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def pair_position(value: Any) -> tuple[str, str] | None:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and len(v) <= 256 for v in value):
        return value[0], value[1]
    return None
