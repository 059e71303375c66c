"""End users: created by self-enrollment, by the admin API and by the local demo seed, all through here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.settings import valid_site_id
from portal.observability import logger
from portal.services.identity import tokens
from portal.services.identity.clock import iso
from portal.services.identity.context import IdentityContext
from portal.services.identity.models import User, UserRecord, UserStatus

# A user, its links, its search index entries (at most 20) and an audit entry are written in one transaction
# (DynamoDB: at most 100 items).
MAX_LINKS = 75


class UserService:
    def __init__(self, ctx: IdentityContext) -> None:
        self._ctx = ctx

    def create_user(
        self,
        site_id: str,
        email: str,
        first_name: str,
        last_name: str,
        account_ids: Sequence[str],
        status: UserStatus = UserStatus.PENDING,
        *,
        password: str | None = None,
        link_source: str = "admin",
        extra: Callable[[User], Sequence[Mapping[str, Any]]] | None = None,
    ) -> User:
        """A new user with its account links, atomically with the email's uniqueness on the site.

        EmailTaken (409) when the site already has a user with this email. An Active user needs a password
        (the demo seed gives one); Pending users set theirs through the registration link. `extra` gives
        the actions to write in the same transaction (the admin API's audit entry of the new user).
        """
        normalised = email.strip().casefold()
        accounts = tuple(dict.fromkeys(a.strip() for a in account_ids if a.strip()))
        if not valid_site_id(site_id) or "@" not in normalised:
            raise ValidationFailed("The site or email is not valid.", code="invalid_user")
        if len(accounts) > MAX_LINKS:
            raise ValidationFailed(f"A user can be linked to at most {MAX_LINKS} accounts.", code="too_many_links")
        if status == UserStatus.ACTIVE and password is None:
            raise ValidationFailed("An Active user needs a password.", code="password_required")
        password_hash = None
        if password is not None:
            self._ctx.passwords.check_new(password, email=normalised)
            password_hash = self._ctx.passwords.hash(password)
        user = User(
            site_id=site_id,
            user_id=tokens.new_id(),
            email=normalised,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            status=status,
            created_at=iso(self._ctx.now()),
            password_hash=password_hash,
        )
        self._ctx.store.create_user(user, accounts, link_source=link_source, extra=extra(user) if extra else ())
        logger.info("user created", extra={"site_id": site_id, "user_id": user.user_id, "links": len(accounts)})
        return user

    def set_status(
        self, site_id: str, user_id: str, status: UserStatus, *, extra: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """Deactivation (and reactivation) by the admin API; deactivating ends every session of the user."""
        if not self._ctx.store.set_status(site_id, user_id, status, iso(self._ctx.now()), extra=extra):
            raise NotFound("There is no such user on this site.", code="user_not_found")
        if status == UserStatus.INACTIVE:
            self._ctx.sessions.revoke_all(site_id, user_id)
        logger.info("user status changed", extra={"site_id": site_id, "user_id": user_id, "status": str(status)})

    def update_user(
        self,
        site_id: str,
        user_id: str,
        *,
        first_name: str,
        last_name: str,
        account_ids: Sequence[str],
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """The admin API's edit: names and the full list of linked accounts (linkability is the caller's)."""
        accounts = tuple(dict.fromkeys(a.strip() for a in account_ids if a.strip()))
        if len(accounts) > MAX_LINKS:
            raise ValidationFailed(f"A user can be linked to at most {MAX_LINKS} accounts.", code="too_many_links")
        try:
            done = self._ctx.store.update_user(
                site_id,
                user_id,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                account_ids=accounts,
                link_source="admin",
                at=iso(self._ctx.now()),
                extra=extra,
            )
        except ValueError:  # more link changes at once than one transaction holds
            raise ValidationFailed(
                "Too many account links change at once; change fewer per request.", code="too_many_changes"
            ) from None
        if not done:
            raise NotFound("There is no such user on this site.", code="user_not_found")
        logger.info("user edited", extra={"site_id": site_id, "user_id": user_id, "links": len(accounts)})

    def find_by_email(self, site_id: str, email: str) -> UserRecord | None:
        user_id = self._ctx.store.user_id_for_email(site_id, email)
        return self._ctx.store.get_user(site_id, user_id) if user_id else None

    def get(self, site_id: str, user_id: str) -> UserRecord | None:
        return self._ctx.store.get_user(site_id, user_id)

    def linked_user_ids(self, site_id: str, account_id: str) -> list[str]:
        """Who is linked to account X on a site (the reverse index)."""
        return self._ctx.store.linked_user_ids(site_id, account_id)
