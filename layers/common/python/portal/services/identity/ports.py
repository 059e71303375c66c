"""What the identity services need from the outside world; adapters (DynamoDB, SES, KMS) implement these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from portal.domain.facts import ContractFacts
from portal.emails import EmailContent
from portal.services.identity.models import (
    AttemptKey,
    Challenge,
    EmailToken,
    EnrollmentAttempt,
    SentEmail,
    SessionRecord,
    TokenPurpose,
    User,
    UserRecord,
    UserStatus,
)
from portal.services.identity.throttle import AttemptState


class IdentityStore(Protocol):
    # users and links
    def create_user(
        self, user: User, account_ids: Sequence[str], *, link_source: str, extra: Sequence[Mapping[str, Any]] = ()
    ) -> None: ...

    def user_id_for_email(self, site_id: str, email: str) -> str | None: ...

    def get_user(self, site_id: str, user_id: str) -> UserRecord | None: ...

    def principal_facts(self, site_id: str, user_id: str) -> tuple[UserStatus, tuple[str, ...]] | None: ...

    def set_password(
        self, site_id: str, user_id: str, password_hash: str, *, require: UserStatus, activate: bool, at: str
    ) -> bool: ...

    def rehash_password(self, site_id: str, user_id: str, old_hash: str, new_hash: str, at: str) -> bool: ...

    def set_status(
        self, site_id: str, user_id: str, status: UserStatus, at: str, *, extra: Sequence[Mapping[str, Any]] = ()
    ) -> bool: ...

    def update_user(
        self,
        site_id: str,
        user_id: str,
        *,
        first_name: str,
        last_name: str,
        account_ids: Sequence[str],
        link_source: str,
        at: str,
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> bool: ...

    def linked_user_ids(self, site_id: str, account_id: str) -> list[str]: ...

    # authenticator apps
    def put_pending_totp(self, site_id: str, user_id: str, ciphertext: bytes, expires: int) -> None: ...

    def activate_totp(self, site_id: str, user_id: str, ciphertext: bytes, step: int, at: str) -> None: ...

    def delete_totp(self, site_id: str, user_id: str) -> bool: ...

    def use_totp_step(self, site_id: str, user_id: str, step: int) -> bool: ...

    # sessions
    def put_session(self, session: SessionRecord) -> None: ...

    def get_session(self, site_id: str, token_hash: str) -> SessionRecord | None: ...

    def touch_session(self, site_id: str, token_hash: str, now: int) -> None: ...

    def delete_session(self, site_id: str, user_id: str, session_id: str) -> None: ...

    def delete_sessions(self, site_id: str, user_id: str, *, keep: str | None = None) -> int: ...

    # MFA challenges
    def put_challenge(self, challenge: Challenge) -> None: ...

    def get_challenge(self, site_id: str, challenge_id: str) -> Challenge | None: ...

    def count_challenge_failure(self, site_id: str, challenge_id: str) -> int: ...

    def consume_challenge(
        self, site_id: str, challenge_id: str, *, code_hash: str | None, max_attempts: int
    ) -> bool: ...

    def replace_challenge_code(
        self, site_id: str, challenge_id: str, *, code_hash: str, code_expires: int, max_sends: int
    ) -> bool: ...

    # emailed tokens
    def next_link_serial(self, site_id: str, user_id: str, purpose: TokenPurpose) -> tuple[int, int] | None: ...

    def put_email_token(self, token: EmailToken) -> None: ...

    def get_email_token(self, site_id: str, token_hash: str) -> EmailToken | None: ...

    def redeem_email_token(
        self, token: EmailToken, now: int, password_hash: str, *, require: UserStatus, activate: bool, at: str
    ) -> bool: ...

    # authentication emails per address and hour
    def count_email(self, site_id: str, email: str, kind: str, hour: int, cap: int) -> bool: ...

    # brute-force counters
    def get_attempts(self, key: AttemptKey) -> AttemptState: ...

    def save_attempts(self, key: AttemptKey, state: AttemptState, expected_version: int) -> bool: ...

    def settle_attempt(self, key: AttemptKey, ticket: str, at: int) -> None: ...

    def clear_attempts(self, key: AttemptKey) -> None: ...

    # what support staff ask later (diagnostics)
    def put_enrollment_attempt(self, site_id: str, email: str, attempt: EnrollmentAttempt) -> None: ...

    def get_enrollment_attempt(self, site_id: str, email: str) -> EnrollmentAttempt | None: ...

    def record_email(self, site_id: str, email: str, sent: SentEmail) -> None: ...

    def recent_emails(self, site_id: str, email: str, limit: int = 10) -> list[SentEmail]: ...


class Mailer(Protocol):
    def send(self, message: EmailContent) -> str:
        """Sends one email; returns the provider's message id."""
        ...


class SecretCipher(Protocol):
    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes: ...

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes: ...


@dataclass(frozen=True)
class ContractRecord:
    """A synced contract as enrollment sees it."""

    facts: ContractFacts
    customer_account_ids: tuple[str, ...]
    bill_to_postal_code: str | None
    bill_to_emails: tuple[str, ...]


@dataclass(frozen=True)
class AccountRecord:
    account_id: str
    name: str | None
    emails: tuple[str, ...]
    contact_emails: tuple[str, ...]


class CustomerRecords(Protocol):
    """The synced customer data (data table), read by key only."""

    def contract(self, site_id: str, contract_id: str) -> ContractRecord | None: ...

    def account(self, site_id: str, account_id: str) -> AccountRecord | None: ...

    def account_names(self, site_id: str, account_ids: Sequence[str]) -> dict[str, str]: ...


class CustomerSync(Protocol):
    def __call__(self, account_ids: Sequence[str]) -> Any: ...
