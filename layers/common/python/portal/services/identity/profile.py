"""The signed-in user: who they are, what they are linked to, how they sign in; and changing the password."""

from __future__ import annotations

from portal.domain.errors import Unauthorized, ValidationFailed
from portal.domain.principal import EndUser
from portal.observability import logger
from portal.services.identity.clock import iso
from portal.services.identity.context import IdentityContext
from portal.services.identity.models import (
    AttemptKey,
    ChallengeMethod,
    LinkedAccount,
    Profile,
    UserRecord,
    UserStatus,
)


class ProfileService:
    def __init__(self, ctx: IdentityContext) -> None:
        self._ctx = ctx

    def _record(self, principal: EndUser) -> UserRecord:
        record = self._ctx.store.get_user(principal.site_id, principal.user_id)
        if record is None or record.user.status != UserStatus.ACTIVE:
            raise Unauthorized("Sign in to continue.")
        return record

    def me(self, principal: EndUser) -> Profile:
        site, settings = self._ctx.site(principal.site_id)
        record = self._record(principal)
        names = self._ctx.records.account_names(principal.site_id, record.account_ids)
        methods: tuple[ChallengeMethod, ...] = ()
        if record.totp is not None:
            methods = ("totp",)
        elif site.mfa_required(settings):
            methods = ("email",)
        user = record.user
        return Profile(
            user_id=user.user_id,
            site_id=user.site_id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            status=user.status,
            linked_accounts=tuple(LinkedAccount(a, names.get(a)) for a in record.account_ids),
            mfa_methods=methods,
            totp_enabled=record.totp is not None,
        )

    def change_password(self, principal: EndUser, current_password: str, new_password: str) -> None:
        """Needs the current password; every other session of the user ends, and every emailed link (the
        store raises the password version)."""
        key = AttemptKey(principal.site_id, "password", "user", principal.user_id)
        with self._ctx.throttle.attempt(key) as attempt:
            record = self._record(principal)
            if not self._ctx.passwords.verify(record.user.password_hash, current_password).ok:
                raise ValidationFailed(
                    "The current password is not correct.",
                    code="current_password_incorrect",
                    fields=[{"field": "current_password", "issue": "is not correct"}],
                )
            attempt.succeeded()
        self._ctx.passwords.check_new(new_password, email=record.user.email, field="new_password")
        new_hash = self._ctx.passwords.hash(new_password)
        self._ctx.store.set_password(
            principal.site_id,
            principal.user_id,
            new_hash,
            require=UserStatus.ACTIVE,
            activate=False,
            at=iso(self._ctx.now()),
        )
        self._ctx.sessions.revoke_all(principal.site_id, principal.user_id, keep_session_id=principal.session_id)
        logger.info("password changed", extra={"site_id": principal.site_id, "user_id": principal.user_id})
