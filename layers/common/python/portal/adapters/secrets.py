"""Secrets Manager values the functions need at request time, through Powertools parameters.

Fetched on first use (never at cold start: a function that never fingerprints never pays for it) and cached
for five minutes, so a rotated secret reaches every container within that time.
"""

from __future__ import annotations

SECRET_MAX_AGE_S = 300


class FingerprintKey:
    """The HMAC key of bank-account fingerprints (the secret `PORTAL_FINGERPRINT_SECRET_ID`)."""

    def __init__(self, secret_id: str) -> None:
        self._secret_id = secret_id

    def __call__(self) -> bytes:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_secret(self._secret_id, max_age=SECRET_MAX_AGE_S)
        return value.encode() if isinstance(value, str) else bytes(value)
