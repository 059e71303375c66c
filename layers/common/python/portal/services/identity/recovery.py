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
    """Checks an emailed link, then sets the password it was sent for (activating a Pending user).

    A link is good while it is unused, unexpired, the newest of its purpose for the user, and no password was
    set since it was sent. Those are checked here to answer early, and again, atomically, by the transaction
    that uses the link up and sets the password: a link redeemed, replaced or outdated by a password change a
    moment ago cannot win a race.
    """
    with ctx.throttle.attempt(AttemptKey(site_id, "token", "address", source or "unknown")) as attempt:
        well_formed = tokens.email_token_well_formed(raw_token)
        token = ctx.store.get_email_token(site_id, tokens.sha256_hex(raw_token)) if well_formed else None
        now = ctx.epoch_now()
        if token is None or token.purpose != purpose or token.used or token.expires <= now:
            raise InvalidToken()
        attempt.succeeded()
    record = ctx.store.get_user(site_id, token.user_id)
    if record is None or record.user.status != require or not token.current_for(record.user):
        raise InvalidToken()
    # The password is checked before the link is used up, so a rejected password can simply be retried.
    ctx.passwords.check_new(password, email=record.user.email)
    password_hash = ctx.passwords.hash(password)
    activate = require == UserStatus.PENDING
    at = iso(ctx.now())
    if not ctx.store.redeem_email_token(token, now, password_hash, require=require, activate=activate, at=at):
        raise InvalidToken()
    return record


class RecoveryService:
    def __init__(self, ctx: IdentityContext) -> None:
        self._ctx = ctx

    def forgot(self, site_id: str, email: str) -> None:
        """Always the same answer (202): over the limit, or capped, it quietly sends nothing."""
        with self._ctx.pacer.paced():
            self._ctx.site(site_id)
            normalised = email.strip().casefold()
            key = AttemptKey(site_id, "forgot", "email", normalised)
            ticket = self._ctx.throttle.try_charge(key)
            if isinstance(ticket, int):  # over the limit: API.md promises 202 all the same
                logger.info("forgot password over the limit", extra={"site_id": site_id})
                return
            self._ctx.throttle.fail(key, ticket)  # every request counts, the ones that send a link too
            user_id = self._ctx.store.user_id_for_email(site_id, normalised)
            record = self._ctx.store.get_user(site_id, user_id) if user_id else None
            if record is None or record.user.status == UserStatus.INACTIVE:
                return
            user = record.user
            purpose: TokenPurpose = "registration" if user.status == UserStatus.PENDING else "reset"
            kind = "registration" if purpose == "registration" else "password_reset"
            if not self._ctx.may_email(site_id, user.email, kind):
                return
            token = self._ctx.issue_email_token(site_id, user.user_id, purpose)
            if token is None:
                return
            brand = self._ctx.branding(site_id)
            if purpose == "registration":
                link = self._ctx.link(site_id, "verify-email", token)
                self._ctx.deliver(site_id, registration_email(user.email, brand, user.first_name, link))
            else:
                link = self._ctx.link(site_id, "reset-password", token)
                self._ctx.deliver(site_id, password_reset_email(user.email, brand, link))

    def send_reset_link(self, site_id: str, user_id: str) -> None:
        """The admin API's Reset Password: Active users only (409 otherwise)."""
        record = self._ctx.store.get_user(site_id, user_id)
        if record is None:
            raise NotFound("There is no such user on this site.", code="user_not_found")
        if record.user.status != UserStatus.ACTIVE:
            raise Conflict("Only Active users can be sent a password reset.", code="user_not_active")
        token = self._ctx.issue_email_token(site_id, user_id, "reset")
        if token is None:
            raise NotFound("There is no such user on this site.", code="user_not_found")
        link = self._ctx.link(site_id, "reset-password", token)
        self._ctx.deliver(site_id, password_reset_email(record.user.email, self._ctx.branding(site_id), link))

    def reset(self, site_id: str, token: str, password: str, source: str) -> None:
        """Sets the new password, ends every session and lifts a login lock on the account."""
        self._ctx.site(site_id)
        record = redeem(self._ctx, site_id, token, "reset", password, source, require=UserStatus.ACTIVE)
        user = record.user
        self._ctx.sessions.revoke_all(site_id, user.user_id)
        self._ctx.throttle.clear(AttemptKey(site_id, "login", "email", user.email))
        logger.info("password reset", extra={"site_id": site_id, "user_id": user.user_id})
