"""Login (PRODUCT.md §4): the password step, then an emailed code or an authenticator-app code when MFA is on.

Every failure of the password step is the same 401 whatever went wrong (unknown email, wrong password,
Pending or Inactive user), and an unknown email still pays for a password verify, so neither the answer nor
its timing says which emails have accounts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from portal.domain.errors import RateLimited
from portal.domain.principal import EndUser
from portal.emails import mfa_code_email
from portal.observability import logger
from portal.services.identity import tokens
from portal.services.identity.clock import iso
from portal.services.identity.context import IdentityContext
from portal.services.identity.models import (
    AttemptKey,
    Challenge,
    ChallengeMethod,
    InvalidCode,
    InvalidCredentials,
    IssuedSession,
    LoginResult,
    MfaRequired,
    UserRecord,
    UserStatus,
)
from portal.services.identity.totp import decrypt_seed, matching_step

CODE_LIFETIME = timedelta(minutes=5)
CHALLENGE_LIFETIME = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5
MAX_CODE_SENDS = 6  # the first code and 5 resends
# What an unknown email looks up instead of a user: well-formed, never issued (ids are 128 random bits).
NO_USER_ID = "0" * 32


class SignInService:
    def __init__(self, ctx: IdentityContext) -> None:
        self._ctx = ctx

    def login(self, site_id: str, email: str, password: str) -> LoginResult:
        site, settings = self._ctx.site(site_id)
        normalised = email.strip().casefold()
        with self._ctx.throttle.attempt(AttemptKey(site_id, "login", "email", normalised)) as attempt:
            # An unknown email reads a user partition too (one that cannot exist) and verifies against the
            # dummy hash: a failed login makes the same AWS calls, in the same order, and the same argon2
            # work whether or not the email has an account.
            user_id = self._ctx.store.user_id_for_email(site_id, normalised) or NO_USER_ID
            record = self._ctx.store.get_user(site_id, user_id)
            stored_hash = record.user.password_hash if record else None
            verification = self._ctx.passwords.verify(stored_hash, password)
            if record is None or not verification.ok or record.user.status != UserStatus.ACTIVE:
                raise InvalidCredentials()
            attempt.succeeded()
        user = record.user
        if verification.needs_rehash and user.password_hash is not None:
            new_hash = self._ctx.passwords.hash(password)
            at = iso(self._ctx.now())
            if self._ctx.store.rehash_password(site_id, user.user_id, user.password_hash, new_hash, at):
                logger.info("password rehashed", extra={"site_id": site_id, "user_id": user.user_id})
        if record.totp is not None:
            return self._challenge(record, "totp")
        if site.mfa_required(settings):
            return self._challenge(record, "email")
        return self._ctx.sessions.issue(site_id, user.user_id)

    def _challenge(self, record: UserRecord, method: ChallengeMethod) -> MfaRequired:
        user = record.user
        now = self._ctx.epoch_now()
        challenge_id = tokens.new_id()
        challenge = Challenge(
            site_id=user.site_id,
            challenge_id=challenge_id,
            user_id=user.user_id,
            method=method,
            expires=now + int(CHALLENGE_LIFETIME.total_seconds()),
        )
        if method == "email":
            code = tokens.new_code()
            challenge = replace(
                challenge,
                code_hash=tokens.code_hash(challenge_id, code),
                code_expires=now + int(CODE_LIFETIME.total_seconds()),
                sends=1,
            )
            self._ctx.store.put_challenge(challenge)
            self._send_code(record, code)
        else:
            self._ctx.store.put_challenge(challenge)
        logger.info("mfa challenge", extra={"site_id": user.site_id, "user_id": user.user_id, "method": method})
        return MfaRequired(challenge_id, method)

    def _send_code(self, record: UserRecord, code: str) -> None:
        user = record.user
        self._ctx.deliver(user.site_id, mfa_code_email(user.email, self._ctx.branding(user.site_id), code))

    def verify_mfa(self, site_id: str, challenge_id: str, code: str) -> IssuedSession:
        challenge = self._live_challenge(site_id, challenge_id)
        with self._ctx.throttle.attempt(AttemptKey(site_id, "mfa", "user", challenge.user_id)) as attempt:
            if challenge.method == "email":
                ok = (
                    challenge.code_expires > self._ctx.epoch_now()
                    and tokens.code_matches(challenge_id, code, challenge.code_hash)
                    and self._still_active(site_id, challenge.user_id)
                )
            else:
                ok = self._totp_step_accepted(site_id, challenge.user_id, code)
            code_hash = challenge.code_hash if challenge.method == "email" else None
            if not ok or not self._ctx.store.consume_challenge(
                site_id, challenge_id, code_hash=code_hash, max_attempts=MAX_CODE_ATTEMPTS
            ):
                self._ctx.store.count_challenge_failure(site_id, challenge_id)
                raise InvalidCode()
            attempt.succeeded()
        return self._ctx.sessions.issue(site_id, challenge.user_id)

    def _still_active(self, site_id: str, user_id: str) -> bool:
        facts = self._ctx.store.principal_facts(site_id, user_id)
        return facts is not None and facts[0] == UserStatus.ACTIVE

    def _totp_step_accepted(self, site_id: str, user_id: str, code: str) -> bool:
        record = self._ctx.store.get_user(site_id, user_id)
        if record is None or record.totp is None or record.user.status != UserStatus.ACTIVE:
            return False
        step = matching_step(decrypt_seed(self._ctx, site_id, user_id, record.totp), code, self._ctx.now())
        # The conditional write is what makes a step single-use, also against two requests racing.
        return step is not None and self._ctx.store.use_totp_step(site_id, user_id, step)

    def resend_mfa(self, site_id: str, challenge_id: str) -> None:
        """A new emailed code; the previous one is void from now on (authenticator apps need no resend)."""
        challenge = self._live_challenge(site_id, challenge_id)
        if challenge.method != "email":
            return
        record = self._ctx.store.get_user(site_id, challenge.user_id)
        if record is None or record.user.status != UserStatus.ACTIVE:
            raise InvalidCode()
        code = tokens.new_code()
        now = self._ctx.epoch_now()
        replaced = self._ctx.store.replace_challenge_code(
            site_id,
            challenge_id,
            code_hash=tokens.code_hash(challenge_id, code),
            code_expires=now + int(CODE_LIFETIME.total_seconds()),
            max_sends=MAX_CODE_SENDS,
        )
        if not replaced:
            raise RateLimited("Too many codes were sent; sign in again.", code="too_many_codes")
        self._send_code(record, code)

    def _live_challenge(self, site_id: str, challenge_id: str) -> Challenge:
        challenge = self._ctx.store.get_challenge(site_id, challenge_id) if _id_ok(challenge_id) else None
        if (
            challenge is None
            or challenge.used
            or challenge.expires <= self._ctx.epoch_now()
            or challenge.attempts >= MAX_CODE_ATTEMPTS
        ):
            raise InvalidCode()
        return challenge

    def logout(self, principal: EndUser) -> None:
        self._ctx.sessions.revoke(principal.site_id, principal.user_id, principal.session_id)


def _id_ok(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c in "0123456789abcdef" for c in value)
