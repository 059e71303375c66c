"""Sessions (PRODUCT.md §9): opaque 256-bit tokens checked server-side on every request (by the authorizer).

Only the SHA-256 of a token is stored. A session ends after 30 minutes without use (idle) or 12 hours after
it began (absolute), and when it is revoked: logout, password change, MFA change, deactivation. Revoking
deletes the session, so a revoked token is indistinguishable from one that never existed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from portal.domain.errors import Unauthorized
from portal.domain.principal import EndUser
from portal.observability import logger
from portal.services.identity import tokens
from portal.services.identity.clock import Clock, epoch
from portal.services.identity.models import IssuedSession, SessionRecord, UserStatus

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Sliding the idle timeout costs a write; once a minute is precise enough for a 30-minute timeout.
TOUCH_INTERVAL = timedelta(minutes=1)


class SessionStore(Protocol):
    def put_session(self, session: SessionRecord) -> None: ...

    def get_session(self, site_id: str, token_hash: str) -> SessionRecord | None: ...

    def touch_session(self, site_id: str, token_hash: str, now: int) -> None: ...

    def delete_session(self, site_id: str, user_id: str, session_id: str) -> None: ...

    def delete_sessions(self, site_id: str, user_id: str, *, keep: str | None = None) -> int: ...

    def principal_facts(self, site_id: str, user_id: str) -> tuple[UserStatus, tuple[str, ...]] | None: ...


def _not_signed_in() -> Unauthorized:
    return Unauthorized("Sign in to continue.", code="unauthorized")


class SessionService:
    def __init__(self, store: SessionStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def issue(self, site_id: str, user_id: str) -> IssuedSession:
        token = tokens.new_session_token(site_id)
        now = epoch(self._clock())
        session = SessionRecord(
            site_id=site_id,
            session_id=tokens.new_id(),
            token_hash=tokens.sha256_hex(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            absolute_expiry=now + int(ABSOLUTE_TIMEOUT.total_seconds()),
        )
        self._store.put_session(session)
        logger.info("session started", extra={"site_id": site_id, "user_id": user_id, "session_id": session.session_id})
        return IssuedSession(token, session.session_id, int(IDLE_TIMEOUT.total_seconds()))

    def authenticate(self, token: str) -> EndUser:
        """The principal of a live session of an Active user; Unauthorized otherwise. The principal's site is
        the token's own site: the caller compares it with the site of the path."""
        site_id = tokens.session_token_site(token)
        if site_id is None:
            raise _not_signed_in()
        token_hash = tokens.sha256_hex(token)
        session = self._store.get_session(site_id, token_hash)
        now = epoch(self._clock())
        if session is None or now >= session.absolute_expiry:
            raise _not_signed_in()
        if now - session.last_seen_at >= IDLE_TIMEOUT.total_seconds():
            raise _not_signed_in()
        facts = self._store.principal_facts(site_id, session.user_id)
        if facts is None or facts[0] != UserStatus.ACTIVE:
            raise _not_signed_in()
        if now - session.last_seen_at >= TOUCH_INTERVAL.total_seconds():
            self._store.touch_session(site_id, token_hash, now)
        return EndUser(site_id, session.user_id, session.session_id, facts[1])

    def revoke(self, site_id: str, user_id: str, session_id: str) -> None:
        self._store.delete_session(site_id, user_id, session_id)
        logger.info("session revoked", extra={"site_id": site_id, "user_id": user_id, "session_id": session_id})

    def revoke_all(self, site_id: str, user_id: str, *, keep_session_id: str | None = None) -> int:
        """Ends every session of the user (except `keep_session_id`, the one making the change)."""
        count = self._store.delete_sessions(site_id, user_id, keep=keep_session_id)
        logger.info("sessions revoked", extra={"site_id": site_id, "user_id": user_id, "count": count})
        return count
