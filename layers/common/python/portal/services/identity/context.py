"""The ports and policies every identity use case shares, and the small helpers they have in common."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

from portal.domain.errors import NotFound
from portal.domain.settings import InstanceSettings, Site, valid_site_id
from portal.emails import EmailBranding, EmailContent
from portal.observability import logger
from portal.ports import SiteReader
from portal.services.identity import tokens
from portal.services.identity.clock import Clock, epoch, iso
from portal.services.identity.models import EmailToken, SentEmail, TokenPurpose
from portal.services.identity.passwords import Passwords
from portal.services.identity.ports import CustomerRecords, CustomerSync, IdentityStore, Mailer, SecretCipher
from portal.services.identity.sessions import SessionService
from portal.services.identity.throttle import Throttle

TOKEN_LIFETIME: dict[TokenPurpose, timedelta] = {"registration": timedelta(hours=24), "reset": timedelta(minutes=30)}
# Authentication emails that an unauthenticated route may send to one address, per kind and clock hour: enough
# for a person who lost an email, too few to flood a mailbox (or the SES reputation) from the sign-in pages.
EMAILS_PER_HOUR = 3
HOUR_S = 3600
# The web front end's pages that emails link to (`{web_base_url}/sites/{site}/<page>`).
WebPage = Literal["verify-email", "reset-password", "sign-in", "forgot-password"]


@dataclass(frozen=True)
class Pacer:
    """Makes a route take at least `floor_s`, whatever happened inside (known or unknown email, mail sent or
    not), so response times do not tell which emails have accounts (PRODUCT.md §9)."""

    floor_s: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    @contextmanager
    def paced(self) -> Iterator[None]:
        started = self.monotonic()
        try:
            yield
        finally:
            remaining = self.floor_s - (self.monotonic() - started)
            if remaining > 0:
                self.sleep(remaining)


@dataclass
class IdentityContext:
    store: IdentityStore
    sites: SiteReader
    mailer: Mailer
    cipher: SecretCipher
    records: CustomerRecords
    customer_sync: CustomerSync
    clock: Clock
    passwords: Passwords
    throttle: Throttle
    sessions: SessionService
    web_base_url: str
    pacer: Pacer = field(default_factory=Pacer)

    def now(self) -> datetime:
        return self.clock()

    def epoch_now(self) -> int:
        return epoch(self.clock())

    def site(self, site_id: str) -> tuple[Site, InstanceSettings]:
        site, settings = self.sites.get_site_and_settings(site_id) if valid_site_id(site_id) else (None, None)
        if site is None or settings is None:
            raise NotFound("There is no such site.", code="site_not_found")  # never echo the path back
        return site, settings

    def branding(self, site_id: str) -> EmailBranding:
        site, settings = self.site(site_id)
        return EmailBranding.of(site, settings.login_branding)

    def link(self, site_id: str, page: WebPage, token: str | None = None) -> str:
        url = f"{self.web_base_url.rstrip('/')}/sites/{site_id}/{page}"
        return f"{url}?token={quote(token, safe='')}" if token else url

    def issue_email_token(self, site_id: str, user_id: str, purpose: TokenPurpose) -> str | None:
        """A new link's token; the user's earlier links of this purpose are void from now on. None when the
        user no longer exists."""
        numbered = self.store.next_link_serial(site_id, user_id, purpose)
        if numbered is None:
            return None
        serial, password_version = numbered
        raw = tokens.new_email_token()
        expires = self.epoch_now() + int(TOKEN_LIFETIME[purpose].total_seconds())
        token = EmailToken(site_id, tokens.sha256_hex(raw), purpose, user_id, expires, False, serial, password_version)
        self.store.put_email_token(token)
        return raw

    def may_email(self, site_id: str, email: str, kind: str) -> bool:
        """Counts one email of `kind` to `email` for this clock hour; False (send nothing, answer the same)
        once EMAILS_PER_HOUR were counted. Checked before a token is issued, so a capped request cannot void
        the link of an email that was sent."""
        now = self.epoch_now()
        if self.store.count_email(site_id, email, kind, now - now % HOUR_S, EMAILS_PER_HOUR):
            return True
        logger.info("email not sent: hourly cap", extra={"site_id": site_id, "kind": kind})
        return False

    def deliver(self, site_id: str, message: EmailContent) -> None:
        """Sends an email and records that it did (or did not) for diagnostics (`deliver_email`)."""
        deliver_email(self.mailer, self.store, iso(self.now()), site_id, message)


def deliver_email(mailer: Mailer, store: IdentityStore, sent_at: str, site_id: str, message: EmailContent) -> None:
    """Sends an email and records that it did (or did not) on the address's MAIL# item, which diagnostics read
    (PRODUCT.md §8.3). A failed send is logged, never raised: the answer to the caller must not depend on it (an
    unknown email sends nothing). Every sender of user emails goes through here (identity, payments, writer)."""
    try:
        message_id = mailer.send(message)
    except Exception as error:  # any provider failure: logged by kind and type only, never the address
        kind, failure = message.kind, type(error).__name__
        logger.warning("email not sent", extra={"site_id": site_id, "kind": kind, "error": failure})
        store.record_email(site_id, message.to, SentEmail(sent_at, message.kind, "failed"))
        return
    store.record_email(site_id, message.to, SentEmail(sent_at, message.kind, "sent", message_id))
    logger.info("email sent", extra={"site_id": site_id, "kind": message.kind, "message_id": message_id})
