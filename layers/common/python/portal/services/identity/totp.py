"""Authenticator apps (TOTP, RFC 6238, 30-second steps, 6 digits) with pyotp.

The seed is encrypted with KMS before it is stored, with the site and user as encryption context, so a seed
copied to another user's item does not decrypt. A code is accepted for the current step and one step either
side (clock drift), and each step once only: the last accepted step is stored and only later steps pass.
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime, timedelta

import pyotp
import segno

from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.principal import EndUser
from portal.observability import logger
from portal.services.identity.clock import iso
from portal.services.identity.context import IdentityContext
from portal.services.identity.models import AttemptKey, TotpSeed, TotpSetup

DRIFT_STEPS = 1
SETUP_LIFETIME = timedelta(minutes=15)


def seed_context(site_id: str, user_id: str) -> dict[str, str]:
    return {"purpose": "totp-seed", "site_id": site_id, "user_id": user_id}


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The time-step whose code is `code` (current step first, then one either side), or None."""
    candidate = code.strip()
    if len(candidate) != 6 or not candidate.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in (current, current - DRIFT_STEPS, current + DRIFT_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), candidate):
            return step
    return None


def decrypt_seed(ctx: IdentityContext, site_id: str, user_id: str, seed: TotpSeed) -> str:
    return ctx.cipher.decrypt(seed.ciphertext, seed_context(site_id, user_id)).decode()


class TotpService:
    def __init__(self, ctx: IdentityContext) -> None:
        self._ctx = ctx

    def start(self, principal: EndUser) -> TotpSetup:
        """A new secret, pending until confirmed with a code (an app already in use keeps working until then)."""
        site, _ = self._ctx.site(principal.site_id)
        record = self._ctx.store.get_user(principal.site_id, principal.user_id)
        if record is None:
            raise Conflict("This user no longer exists.", code="user_gone")
        secret = pyotp.random_base32()
        ciphertext = self._ctx.cipher.encrypt(secret.encode(), seed_context(principal.site_id, principal.user_id))
        expires = self._ctx.epoch_now() + int(SETUP_LIFETIME.total_seconds())
        self._ctx.store.put_pending_totp(principal.site_id, principal.user_id, ciphertext, expires)
        uri = pyotp.TOTP(secret).provisioning_uri(name=record.user.email, issuer_name=site.display_name)
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(buffer, kind="svg", xmldecl=False, scale=4, border=2)
        return TotpSetup(secret=secret, otpauth_uri=uri, qr_svg=buffer.getvalue().decode())

    def confirm(self, principal: EndUser, code: str) -> None:
        """Activates the pending app with one of its codes; other sessions end (an MFA change)."""
        key = AttemptKey(principal.site_id, "mfa", "user", principal.user_id)
        with self._ctx.throttle.attempt(key) as attempt:
            record = self._ctx.store.get_user(principal.site_id, principal.user_id)
            pending = record.pending_totp if record else None
            if pending is None or (pending.expires or 0) <= self._ctx.epoch_now():
                raise Conflict("Start setting up an authenticator app first.", code="no_pending_authenticator")
            secret = decrypt_seed(self._ctx, principal.site_id, principal.user_id, pending)
            step = matching_step(secret, code, self._ctx.now())
            if step is None:
                raise ValidationFailed(
                    "The code does not match; check the app's clock and try the newest code.",
                    code="invalid_code",
                    fields=[{"field": "code", "issue": "does not match the authenticator app"}],
                )
            attempt.succeeded()
        self._ctx.store.activate_totp(
            principal.site_id, principal.user_id, pending.ciphertext, step, iso(self._ctx.now())
        )
        self._ctx.sessions.revoke_all(principal.site_id, principal.user_id, keep_session_id=principal.session_id)
        logger.info("authenticator app enabled", extra={"site_id": principal.site_id, "user_id": principal.user_id})

    def remove(self, principal: EndUser) -> None:
        """Removes the app (later logins fall back to the site's email codes); other sessions end."""
        removed = self._ctx.store.delete_totp(principal.site_id, principal.user_id)
        if removed:
            self._ctx.sessions.revoke_all(principal.site_id, principal.user_id, keep_session_id=principal.session_id)
            logger.info("authenticator app removed", extra={"site_id": principal.site_id, "user_id": principal.user_id})
