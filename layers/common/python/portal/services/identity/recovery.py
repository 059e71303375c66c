"""Forgot password and reset (PRODUCT.md §4), and the redemption of emailed links shared with enrollment.

Forgot password answers 202 for every email; only an Active user's mailbox receives a reset link (single
use, 30 minutes), and a Pending user's a fresh registration link. Redeeming a link is limited per source
address like any other guessing route, although 256-bit tokens leave nothing to guess.
"""

from __future__ import annotations

from portal.domain.errors import Conflict, NotFound
from portal.emails import password_reset_email, registration_email
from portal.observability import logger
from portal.services.identity import tokens
from portal.services.identity.clock import iso
from portal.services.identity.context import IdentityContext
from portal.services.identity.models import AttemptKey, InvalidToken, TokenPurpose, UserRecord, UserStatus


def redeem(
    ctx: IdentityContext,
    site_id: str,
    raw_token: str,
    purpose: TokenPurpose,
    password: str,
    source: str,
    *,
    require: UserStatus,
) -> UserRecord:
    """Checks an emailed link, then sets the password it was sent for (activating a Pending user)."""
    key = AttemptKey(site_id, "token", "address", source or "unknown")
    ctx.throttle.charge(key)
    token_hash = tokens.sha256_hex(raw_token)
    token = ctx.store.get_email_token(site_id, token_hash) if tokens.email_token_well_formed(raw_token) else None
    now = ctx.epoch_now()
    if token is None or token.purpose != purpose or token.used or token.expires <= now:
        raise InvalidToken()
    ctx.throttle.clear(key)
    record = ctx.store.get_user(site_id, token.user_id)
    if record is None or record.user.status != require:
        raise InvalidToken()
    # The password is checked before the link is used up, so a rejected password can simply be retried.
    ctx.passwords.check_new(password, email=record.user.email)
    if not ctx.store.consume_email_token(site_id, token_hash, now):
        raise InvalidToken()
    password_hash = ctx.passwords.hash(password)
    activate = require == UserStatus.PENDING
    if not ctx.store.set_password(
        site_id, record.user.user_id, password_hash, require=require, activate=activate, at=iso(ctx.now())
    ):
        raise InvalidToken()
    return record


class RecoveryService:
    def __init__(self, ctx: IdentityContext) -> None:
        self._ctx = ctx

    def forgot(self, site_id: str, email: str) -> None:
        with self._ctx.pacer.paced():
            self._ctx.site(site_id)
            normalised = email.strip().casefold()
            self._ctx.throttle.charge(AttemptKey(site_id, "forgot", "email", normalised))
            user_id = self._ctx.store.user_id_for_email(site_id, normalised)
            record = self._ctx.store.get_user(site_id, user_id) if user_id else None
            if record is None or record.user.status == UserStatus.INACTIVE:
                return
            user = record.user
            brand = self._ctx.branding(site_id)
            if user.status == UserStatus.PENDING:
                token = self._ctx.issue_email_token(site_id, user.user_id, "registration")
                link = self._ctx.link(site_id, "enrollment/verify", token)
                self._ctx.deliver(site_id, registration_email(user.email, brand, user.first_name, link))
                return
            token = self._ctx.issue_email_token(site_id, user.user_id, "reset")
            link = self._ctx.link(site_id, "auth/password/reset", token)
            self._ctx.deliver(site_id, password_reset_email(user.email, brand, link))

    def send_reset_link(self, site_id: str, user_id: str) -> None:
        """The admin API's Reset Password: Active users only (409 otherwise)."""
        record = self._ctx.store.get_user(site_id, user_id)
        if record is None:
            raise NotFound("There is no such user on this site.", code="user_not_found")
        if record.user.status != UserStatus.ACTIVE:
            raise Conflict("Only Active users can be sent a password reset.", code="user_not_active")
        token = self._ctx.issue_email_token(site_id, user_id, "reset")
        link = self._ctx.link(site_id, "auth/password/reset", token)
        self._ctx.deliver(site_id, password_reset_email(record.user.email, self._ctx.branding(site_id), link))

    def reset(self, site_id: str, token: str, password: str, source: str) -> None:
        """Sets the new password, ends every session and lifts a login lock on the account."""
        self._ctx.site(site_id)
        record = redeem(self._ctx, site_id, token, "reset", password, source, require=UserStatus.ACTIVE)
        user = record.user
        self._ctx.sessions.revoke_all(site_id, user.user_id)
        self._ctx.throttle.clear(AttemptKey(site_id, "login", "email", user.email))
        logger.info("password reset", extra={"site_id": site_id, "user_id": user.user_id})
