"""The identity repository against DynamoDB Local, which validates expressions and transactions as DynamoDB does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
    TokenPurpose,
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


def link(
    token_hash: str, purpose: TokenPurpose, numbered: tuple[int, int] | None, expires: int = NOW + 1800
) -> EmailToken:
    assert numbered is not None
    serial, version = numbered
    return EmailToken("summit", token_hash, purpose, "u1", expires, serial=serial, password_version=version)


def redeem(store: DynamoIdentityStore, token: EmailToken, hash_: str, now: int = NOW) -> bool:
    return store.redeem_email_token(token, now, hash_, require=UserStatus.ACTIVE, activate=False, at="t")


def test_an_emailed_token_is_redeemed_once_only_before_expiry_together_with_the_password(
    store: DynamoIdentityStore,
) -> None:
    store.create_user(user(), [], link_source="test")
    token = link(H1, "reset", store.next_link_serial("summit", "u1", "reset"))
    store.put_email_token(token)
    assert store.get_email_token("summit", H1) == token
    assert not redeem(store, token, "h1", now=NOW + 1800)  # expired
    assert redeem(store, token, "h1")
    assert not redeem(store, token, "h2")  # used
    assert store.get_email_token("summit", H1).used  # type: ignore[union-attr]
    assert store.get_user("summit", "u1").user.password_hash == "h1"  # type: ignore[union-attr]


def test_a_newer_link_or_a_password_change_voids_a_token_and_a_refused_one_stays_unused(
    store: DynamoIdentityStore,
) -> None:
    store.create_user(user(), [], link_source="test")
    older = link(H1, "reset", store.next_link_serial("summit", "u1", "reset"))
    registration = link(H3, "registration", store.next_link_serial("summit", "u1", "registration"))
    newer = link(H2, "reset", store.next_link_serial("summit", "u1", "reset"))
    for token in (older, newer, registration):
        store.put_email_token(token)
    assert (older.serial, newer.serial, registration.serial) == (1, 2, 1)  # serials count per purpose
    # The older reset link is void, and neither it nor the password changed
    assert not redeem(store, older, "h-older")
    assert not store.get_email_token("summit", H1).used  # type: ignore[union-attr]
    assert store.get_user("summit", "u1").user.password_hash == "$argon2id$x"  # type: ignore[union-attr]
    # A password change voids the newer one too
    assert store.set_password("summit", "u1", "h-profile", require=UserStatus.ACTIVE, activate=False, at="t")
    assert store.get_user("summit", "u1").user.password_version == 1  # type: ignore[union-attr]
    assert not redeem(store, newer, "h-newer")
    assert store.get_user("summit", "u1").user.password_hash == "h-profile"  # type: ignore[union-attr]
    # While a rehash of the same password is not a change (and is refused once the password changed)
    assert store.rehash_password("summit", "u1", "h-profile", "h-rehashed", "t")
    assert not store.rehash_password("summit", "u1", "h-profile", "h-stale", "t")
    fresh = link(H2, "reset", store.next_link_serial("summit", "u1", "reset"))
    store.put_email_token(fresh)
    assert fresh.password_version == 1 and redeem(store, fresh, "h-fresh")
    assert store.next_link_serial("summit", "nobody", "reset") is None


def test_links_written_before_they_were_numbered_still_redeem(store: DynamoIdentityStore) -> None:
    # A user and a link stored without serials or versions (as before this change) count as 0
    store.create_user(user(), [], link_source="test")
    boto3.client("dynamodb").update_item(
        TableName=TableSettings.load().table_identity,
        Key={"pk": {"S": "S#summit#U#u1"}, "sk": {"S": "USER"}},
        UpdateExpression="REMOVE password_version",
    )
    legacy = EmailToken("summit", H1, "reset", "u1", NOW + 1800)
    store.put_email_token(legacy)
    assert redeem(store, legacy, "h1")


def test_the_hourly_email_counter_holds_its_cap_under_parallel_requests(store: DynamoIdentityStore) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        granted = list(pool.map(lambda _: store.count_email("summit", "Ann@x.com", "registration", NOW, 3), range(30)))
    assert granted.count(True) == 3
    # Another kind and another hour have counters of their own
    assert store.count_email("summit", "ann@x.com", "password_reset", NOW, 3)
    assert store.count_email("summit", "ann@x.com", "registration", NOW + 3600, 3)
    # And the counters are not in the log of emails sent
    assert store.recent_emails("summit", "ann@x.com") == []


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


def test_an_in_flight_attempt_settles_as_a_failure_and_bumps_the_version(store: DynamoIdentityStore) -> None:
    key = AttemptKey("summit", "login", "email", "pat@example.com")
    charged = AttemptState().with_attempt(PRODUCTION_POLICY, NOW, "t1").with_attempt(PRODUCTION_POLICY, NOW, "t2")
    assert store.save_attempts(key, charged, 0)
    assert store.get_attempts(key) == charged
    store.settle_attempt(key, "t1", NOW + 1)
    settled = store.get_attempts(key)
    assert settled.failures == (NOW + 1,) and settled.in_flight == (("t2", NOW),)
    assert settled.version == charged.version + 1
    assert not store.save_attempts(key, charged.with_attempt(PRODUCTION_POLICY, NOW, "t3"), charged.version)
    # Settling an attempt of a counter a success cleared meanwhile does nothing
    store.clear_attempts(key)
    store.settle_attempt(key, "t2", NOW + 2)
    assert store.get_attempts(key) == AttemptState()


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
