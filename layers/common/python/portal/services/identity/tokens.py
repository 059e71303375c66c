"""Random secrets and how they are stored: only their SHA-256 ever reaches the database.

Session tokens and emailed tokens carry 256 random bits, so an unsalted SHA-256 is enough to make a stolen
table useless (there is nothing to brute-force). Six-digit codes are hashed with their challenge id, and
they are only worth anything for 5 minutes and 5 attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from portal.domain.settings import valid_site_id

_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CODE = re.compile(r"^[0-9]{6}$")


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_id() -> str:
    """An id for a user, a session or a challenge (128 random bits, hex)."""
    return secrets.token_hex(16)


def new_session_token(site_id: str) -> str:
    """`<site>.<256 random bits>`: opaque to clients; the site part lets a token used on another site's path
    be recognised and refused with 403 instead of looking unknown."""
    return f"{site_id}.{secrets.token_urlsafe(32)}"


def session_token_site(token: str) -> str | None:
    """The site a well-formed session token belongs to, or None when it cannot be one of ours."""
    site_id, dot, secret = token.partition(".")
    if not dot or not valid_site_id(site_id) or not _SECRET.match(secret):
        return None
    return site_id


def new_email_token() -> str:
    return secrets.token_urlsafe(32)


def email_token_well_formed(token: str) -> bool:
    return bool(_SECRET.match(token))


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(challenge_id: str, code: str) -> str:
    return sha256_hex(f"{challenge_id}:{code}")


def code_matches(challenge_id: str, code: str, stored_hash: str | None) -> bool:
    candidate = code.strip()
    if stored_hash is None or not _CODE.match(candidate):
        return False
    return hmac.compare_digest(code_hash(challenge_id, candidate), stored_hash)
