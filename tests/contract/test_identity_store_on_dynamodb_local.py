"""The identity repository against DynamoDB Local, which validates expressions and transactions as DynamoDB does."""

from __future__ import annotations

import boto3
import pytest

from portal.adapters.dynamodb.identity import DynamoIdentityStore
from portal.config import TableSettings
from portal.services.identity.models import (
    AttemptKey,
    Challenge,
    EmailTaken,
    EmailToken,
    EnrollmentAttempt,
    SentEmail,
    SessionRecord,
    User,
    UserStatus,
)
from portal.services.identity.throttle import PRODUCTION_POLICY, AttemptState

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("dynamodb_local")]

H1, H2, H3 = ("1" * 64), ("2" * 64), ("3" * 64)
NOW = 1_800_000_000


@pytest.fixture
def store(ddb_local_env: str) -> DynamoIdentityStore:
    return DynamoIdentityStore(boto3.client("dynamodb"), TableSettings.load().table_identity)


def user(user_id: str = "u1", email: str = "pat@example.com", status: UserStatus = UserStatus.ACTIVE) -> User:
    return User("summit", user_id, email, "Pat", "Lee", status, "2026-11-02T15:00:00Z", "$argon2id$x")


def test_users_links_and_the_email_uniqueness_transaction(store: DynamoIdentityStore) -> None:
    # Given a user linked to two accounts
    store.create_user(user(), ["A-1", "A-2"], link_source="test")
    # Then it reads back whole, by email and by id, and both accounts know who is linked to them
    assert store.user_id_for_email("summit", "PAT@example.com") == "u1"
    record = store.get_user("summit", "u1")
    assert record is not None and record.account_ids == ("A-1", "A-2") and record.user.email == "pat@example.com"
    assert store.principal_facts("summit", "u1") == (UserStatus.ACTIVE, ("A-1", "A-2"))
    assert store.linked_user_ids("summit", "A-2") == ["u1"]
    # And a second user with the same email on the site is refused, while another site is fine
    with pytest.raises(EmailTaken):
        store.create_user(user("u2"), ["A-3"], link_source="test")
    assert store.get_user("summit", "u2") is None and store.linked_user_ids("summit", "A-3") == []
    store.create_user(User("careline", "u3", "pat@example.com", "P", "L", UserStatus.PENDING, "t"), [], link_source="t")
    assert store.user_id_for_email("careline", "pat@example.com") == "u3"


def test_passwords_are_set_only_from_the_expected_status(store: DynamoIdentityStore) -> None:
    store.create_user(user(status=UserStatus.PENDING), [], link_source="test")
    assert not store.set_password("summit", "u1", "h1", require=UserStatus.ACTIVE, activate=False, at="t")
    assert store.set_password("summit", "u1", "h1", require=UserStatus.PENDING, activate=True, at="t")
    record = store.get_user("summit", "u1")
    assert record is not None and record.user.status == UserStatus.ACTIVE and record.user.password_hash == "h1"
    assert not store.set_password("summit", "u1", "h2", require=UserStatus.PENDING, activate=True, at="t")


def test_sessions_and_revoking_all_but_one(store: DynamoIdentityStore) -> None:
    store.create_user(user(), [], link_source="test")
    for session_id, token_hash in (("s1", H1), ("s2", H2), ("s3", H3)):
        store.put_session(SessionRecord("summit", session_id, token_hash, "u1", NOW, NOW, NOW + 43200))
    store.touch_session("summit", H1, NOW + 60)
    assert store.get_session("summit", H1).last_seen_at == NOW + 60  # type: ignore[union-attr]
    store.delete_session("summit", "u1", "s3")
    assert store.get_session("summit", H3) is None
    assert store.delete_sessions("summit", "u1", keep="s1") == 1
    assert store.get_session("summit", H1) is not None and store.get_session("summit", H2) is None


def test_challenges_are_used_once_and_codes_replaced_conditionally(store: DynamoIdentityStore) -> None:
    store.put_challenge(Challenge("summit", "c1", "u1", "email", NOW + 1800, "hash1", NOW + 300, sends=1))
    assert store.replace_challenge_code("summit", "c1", code_hash="hash2", code_expires=NOW + 600, max_sends=2)
    assert not store.replace_challenge_code("summit", "c1", code_hash="hash3", code_expires=NOW + 600, max_sends=2)
    assert store.count_challenge_failure("summit", "c1") == 1
    assert not store.consume_challenge("summit", "c1", code_hash="hash1", max_attempts=5)  # voided by the resend
    assert store.consume_challenge("summit", "c1", code_hash="hash2", max_attempts=5)
    assert not store.consume_challenge("summit", "c1", code_hash="hash2", max_attempts=5)
    assert store.get_challenge("summit", "c1").used  # type: ignore[union-attr]


def test_emailed_tokens_are_consumed_once_and_only_before_expiry(store: DynamoIdentityStore) -> None:
    store.put_email_token(EmailToken("summit", H1, "reset", "u1", NOW + 1800))
    store.put_email_token(EmailToken("summit", H2, "reset", "u1", NOW + 1800))
    assert not store.consume_email_token("summit", H2, NOW + 1800)
    assert store.consume_email_token("summit", H1, NOW)
    assert not store.consume_email_token("summit", H1, NOW)
    assert store.get_email_token("summit", H1).used  # type: ignore[union-attr]


def test_totp_steps_are_accepted_once_and_in_order(store: DynamoIdentityStore) -> None:
    store.create_user(user(), [], link_source="test")
    store.put_pending_totp("summit", "u1", b"\x01cipher", NOW + 900)
    assert store.get_user("summit", "u1").pending_totp.ciphertext == b"\x01cipher"  # type: ignore[union-attr]
    store.activate_totp("summit", "u1", b"\x01cipher", 100, "t")
    record = store.get_user("summit", "u1")
    assert record is not None and record.pending_totp is None and record.totp is not None
    assert not store.use_totp_step("summit", "u1", 100)
    assert store.use_totp_step("summit", "u1", 101)
    assert not store.use_totp_step("summit", "u1", 100)
    assert store.delete_totp("summit", "u1") and not store.delete_totp("summit", "u1")


def test_failure_counters_use_optimistic_versions(store: DynamoIdentityStore) -> None:
    key = AttemptKey("summit", "login", "email", "o'brien+x@example.com")
    first = AttemptState().with_failure(PRODUCTION_POLICY, NOW)
    assert store.save_attempts(key, first, 0)
    assert not store.save_attempts(key, first, 0)  # a concurrent first failure loses
    second = first.with_failure(PRODUCTION_POLICY, NOW + 1)
    assert store.save_attempts(key, second, first.version)
    assert not store.save_attempts(key, second.with_failure(PRODUCTION_POLICY, NOW + 2), first.version)
    assert store.get_attempts(key) == second
    store.clear_attempts(key)
    assert store.get_attempts(key) == AttemptState()
    assert store.save_attempts(AttemptKey("summit", "token", "address", "2001:db8::1"), first, 0)


def test_what_support_staff_read_later(store: DynamoIdentityStore) -> None:
    store.put_enrollment_attempt(
        "summit", "Ann@x.com", EnrollmentAttempt("2026-11-02T15:00:00Z", "not_eligible", ("postal_code_matches",))
    )
    assert store.get_enrollment_attempt("summit", "ann@x.com") == EnrollmentAttempt(
        "2026-11-02T15:00:00Z", "not_eligible", ("postal_code_matches",)
    )
    store.record_email("summit", "ann@x.com", SentEmail("2026-11-02T15:00:00Z", "registration", "sent", "m1"))
    store.record_email("summit", "ann@x.com", SentEmail("2026-11-02T15:00:00Z", "registration", "failed"))
    store.record_email("summit", "ann@x.com", SentEmail("2026-11-02T16:00:00Z", "mfa_code", "sent", "m3"))
    emails = store.recent_emails("summit", "ann@x.com", limit=2)
    assert [e.kind for e in emails] == ["mfa_code", "registration"] and emails[0].message_id == "m3"
