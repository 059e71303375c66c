"""Login, emailed MFA codes, authenticator apps, lockout and sessions, through the services on moto."""

from __future__ import annotations

import pyotp
import pytest

from portal.domain.errors import RateLimited, Unauthorized
from portal.domain.principal import EndUser
from portal.services.identity.models import (
    InvalidCode,
    InvalidCredentials,
    IssuedSession,
    MfaRequired,
    UserStatus,
)
from portal.services.identity.passwords import HashParameters
from tests.integration.identity.kit import PASSWORD, World, build_world, count_calls, recorded_calls

EMAIL = "pat.lee@example.com"


def login(world: World, site: str, email: str = EMAIL, password: str = PASSWORD) -> IssuedSession | MfaRequired:
    return world.identity.sign_in.login(site, email, password)


def session(world: World, site: str = "summit") -> IssuedSession:
    result = login(world, site)
    assert isinstance(result, IssuedSession)
    return result


def principal(world: World, issued: IssuedSession) -> EndUser:
    return world.identity.sessions.authenticate(issued.access_token)


def challenge(world: World, site: str = "harvest") -> MfaRequired:
    result = login(world, site)
    assert isinstance(result, MfaRequired)
    return result


# --- password step ---------------------------------------------------------------------------------------------
def test_login_without_mfa_gives_a_token_bound_to_the_site_user_and_accounts(world: World) -> None:
    # Given an Active user linked to two accounts on a site without MFA
    user_id = world.user("summit", EMAIL, accounts=("A-1", "A-2"))
    # When they log in with their email typed differently
    issued = world.identity.sign_in.login("summit", "  Pat.Lee@EXAMPLE.com", PASSWORD)
    # Then the token authenticates as them on that site, with their linked accounts
    assert isinstance(issued, IssuedSession) and issued.expires_in == 1800
    assert principal(world, issued) == EndUser("summit", user_id, issued.session_id, ("A-1", "A-2"))


@pytest.mark.parametrize("status", [UserStatus.PENDING, UserStatus.INACTIVE])
def test_pending_and_inactive_users_cannot_log_in(world: World, status: UserStatus) -> None:
    # Given a user who is Pending (no password yet) or was deactivated
    if status == UserStatus.PENDING:
        world.identity.users.create_user("summit", EMAIL, "Pat", "Lee", ["A-1"], UserStatus.PENDING)
    else:
        user_id = world.user("summit", EMAIL)
        world.store.set_status("summit", user_id, UserStatus.INACTIVE, "2026-11-02T15:00:00Z")
    # When they log in with the right password (or any password)
    # Then the answer is the same as for a wrong password
    with pytest.raises(InvalidCredentials):
        login(world, "summit")


def test_a_user_of_one_site_does_not_exist_on_another(world: World) -> None:
    world.user("summit", EMAIL)
    with pytest.raises(InvalidCredentials):
        login(world, "careline")


def test_a_hash_below_target_is_replaced_at_the_next_login(world: World) -> None:
    # Given a user whose hash was made with weaker parameters than today's
    user_id = world.user("summit", EMAIL)
    stronger = build_world(world.outbox.directory, hashes=HashParameters(2, 64, 1), clock=world.clock)
    # When they log in
    assert isinstance(stronger.identity.sign_in.login("summit", EMAIL, PASSWORD), IssuedSession)
    # Then the stored hash has the new parameters
    record = world.store.get_user("summit", user_id)
    assert record.user.password_hash.startswith("$argon2id$v=19$m=64,t=2,p=1$")


# --- emailed codes ---------------------------------------------------------------------------------------------
def test_mfa_site_sends_a_code_that_works_once(world: World) -> None:
    # Given a user on a site with MFA on
    world.user("harvest", EMAIL)
    # When they pass the password step
    pending = challenge(world)
    # Then an email carries a six-digit code that signs them in
    assert pending.method == "email"
    code = world.outbox.last(EMAIL).code
    issued = world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, code)
    assert principal(world, issued).site_id == "harvest"
    # And the same code does not work a second time
    with pytest.raises(InvalidCode):
        world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, code)


def test_the_instance_switch_turns_mfa_on_for_every_site(world: World) -> None:
    from portal.domain.settings import InstanceSettings

    world.user("summit", EMAIL)
    world.wiring.sites.put_settings(InstanceSettings(mfa_all_sites=True))
    assert isinstance(login(world, "summit"), MfaRequired)


def test_a_code_expires_after_five_minutes(world: World) -> None:
    world.user("harvest", EMAIL)
    # Given a code, used 4:59 after it was sent
    first = challenge(world)
    world.clock.advance(minutes=4, seconds=59)
    assert world.identity.sign_in.verify_mfa("harvest", first.challenge_id, world.outbox.last(EMAIL).code)
    # When another code is used 5:00 after it was sent
    second = challenge(world)
    world.clock.advance(minutes=5)
    # Then it is refused
    with pytest.raises(InvalidCode):
        world.identity.sign_in.verify_mfa("harvest", second.challenge_id, world.outbox.last(EMAIL).code)


def test_resend_voids_the_previous_code(world: World) -> None:
    world.user("harvest", EMAIL)
    pending = challenge(world)
    first = world.outbox.last(EMAIL).code
    # When the user asks for a new code (until it differs: two random codes can collide)
    world.identity.sign_in.resend_mfa("harvest", pending.challenge_id)
    while (second := world.outbox.last(EMAIL).code) == first:
        world.identity.sign_in.resend_mfa("harvest", pending.challenge_id)
    # Then the first code no longer works and the new one does
    with pytest.raises(InvalidCode):
        world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, first)
    assert world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, second)
    assert [m.kind for m in world.outbox.all(EMAIL)].count("mfa_code") >= 2


def test_five_wrong_codes_void_the_challenge(world: World) -> None:
    world.user("harvest", EMAIL)
    pending = challenge(world)
    right = world.outbox.last(EMAIL).code
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(InvalidCode):
            world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, wrong)
    with pytest.raises(InvalidCode):
        world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, right)


def test_resends_are_limited(world: World) -> None:
    world.user("harvest", EMAIL)
    pending = challenge(world)
    for _ in range(5):
        world.identity.sign_in.resend_mfa("harvest", pending.challenge_id)
    with pytest.raises(RateLimited):
        world.identity.sign_in.resend_mfa("harvest", pending.challenge_id)


# --- authenticator apps ----------------------------------------------------------------------------------------
def test_totp_replaces_the_email_code_and_each_step_is_accepted_once(world: World) -> None:
    # Given a user who set up an authenticator app (confirmed with the app's current code)
    world.user("harvest", EMAIL)
    first = challenge(world)
    signed_in = principal(
        world, world.identity.sign_in.verify_mfa("harvest", first.challenge_id, world.outbox.last(EMAIL).code)
    )
    setup = world.identity.totp.start(signed_in)
    assert setup.otpauth_uri.startswith("otpauth://totp/") and "issuer=Harvest%20Ag%20Finance" in setup.otpauth_uri
    assert setup.qr_svg.startswith("<svg") and setup.secret in setup.otpauth_uri
    app = pyotp.TOTP(setup.secret)  # the independent generator
    world.identity.totp.confirm(signed_in, app.at(world.clock()))
    emails_before = len(world.outbox.all(EMAIL))
    # When they log in again
    pending = challenge(world)
    # Then the app's code is asked for instead of an emailed one
    assert pending.method == "totp" and len(world.outbox.all(EMAIL)) == emails_before
    # And the code of the step already used to confirm is refused (replay within the same step)
    with pytest.raises(InvalidCode):
        world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, app.at(world.clock()))
    # And the next step's code works, once
    world.clock.advance(seconds=30)
    code = app.at(world.clock())
    pending = challenge(world)
    assert world.identity.sign_in.verify_mfa("harvest", pending.challenge_id, code)
    replay = challenge(world)
    with pytest.raises(InvalidCode):
        world.identity.sign_in.verify_mfa("harvest", replay.challenge_id, code)


def test_totp_seed_is_stored_encrypted(world: World) -> None:
    user_id = world.user("summit", EMAIL)
    signed_in = principal(world, session(world))
    setup = world.identity.totp.start(signed_in)
    world.identity.totp.confirm(signed_in, pyotp.TOTP(setup.secret).at(world.clock()))
    stored = world.store.get_user("summit", user_id).totp
    assert stored is not None and setup.secret.encode() not in stored.ciphertext
    # And removing the app brings the site's normal login back (no MFA on summit)
    world.identity.totp.remove(signed_in)
    assert isinstance(login(world, "summit"), IssuedSession)


def test_a_wrong_confirmation_code_leaves_the_app_pending(world: World) -> None:
    from portal.domain.errors import ValidationFailed

    world.user("summit", EMAIL)
    signed_in = principal(world, session(world))
    setup = world.identity.totp.start(signed_in)
    wrong = "000000" if pyotp.TOTP(setup.secret).at(world.clock()) != "000000" else "111111"
    with pytest.raises(ValidationFailed):
        world.identity.totp.confirm(signed_in, wrong)
    assert isinstance(login(world, "summit"), IssuedSession)


def test_mfa_changes_revoke_the_other_sessions(world: World) -> None:
    world.user("summit", EMAIL)
    here, elsewhere = session(world), session(world)
    signed_in = principal(world, here)
    setup = world.identity.totp.start(signed_in)
    world.identity.totp.confirm(signed_in, pyotp.TOTP(setup.secret).at(world.clock()))
    with pytest.raises(Unauthorized):
        principal(world, elsewhere)
    assert principal(world, here)


# --- brute force -----------------------------------------------------------------------------------------------
def attempt(world: World, email: str, password: str) -> str:
    try:
        login(world, "summit", email, password)
    except InvalidCredentials:
        return "401"
    except RateLimited as limited:
        return f"429:{limited.retry_after}"
    return "ok"


def test_progressive_delay_after_five_failures(world: World) -> None:
    world.user("summit", EMAIL)
    assert [attempt(world, EMAIL, "wrong password") for _ in range(5)] == ["401"] * 5
    # Then the next attempt must wait 2 s, then 4 s
    assert attempt(world, EMAIL, PASSWORD) == "429:2"
    world.clock.advance(seconds=2)
    assert attempt(world, EMAIL, "wrong password") == "401"
    assert attempt(world, EMAIL, "wrong password") == "429:4"


def test_lockout_after_ten_failures_and_unlock_after_fifteen_minutes(world: World) -> None:
    world.user("summit", EMAIL)
    # Given ten wrong passwords, each sent as soon as allowed
    failures = 0
    while failures < 10:
        outcome = attempt(world, EMAIL, "wrong password")
        if outcome.startswith("429:"):
            world.clock.advance(seconds=int(outcome[4:]))
        else:
            failures += 1
    # When the right password is sent, it is refused for 15 minutes
    assert attempt(world, EMAIL, PASSWORD) == "429:900"
    world.clock.advance(minutes=14, seconds=59)
    assert attempt(world, EMAIL, PASSWORD) == "429:1"
    # Then unlocked
    world.clock.advance(seconds=1)
    assert attempt(world, EMAIL, PASSWORD) == "ok"


def test_unknown_emails_are_limited_exactly_like_known_ones(world: World) -> None:
    world.user("summit", EMAIL)
    known = [attempt(world, EMAIL, "wrong password") for _ in range(7)]
    unknown = [attempt(world, "nobody@example.com", "wrong password") for _ in range(7)]
    assert known == unknown == ["401"] * 5 + ["429:2", "429:2"]


@pytest.mark.parametrize("status", [UserStatus.ACTIVE, UserStatus.PENDING, UserStatus.INACTIVE])
def test_a_failed_login_makes_the_same_aws_calls_whether_or_not_the_email_has_an_account(
    world: World, status: UserStatus
) -> None:
    # Given a known email (an Active user with a wrong password, a Pending or an Inactive one) and an unknown one
    if status == UserStatus.PENDING:
        world.identity.users.create_user("summit", EMAIL, "Pat", "Lee", ["A-1"], UserStatus.PENDING)
    else:
        world.store.set_status("summit", world.user("summit", EMAIL), status, "2026-11-02T15:00:00Z")
    # When each fails to log in, twice (the second time the failure counter exists)
    services = ("dynamodb", "kms", "sesv2")
    with recorded_calls(*services) as known:
        assert [attempt(world, EMAIL, "wrong password") for _ in range(2)] == ["401", "401"]
    with recorded_calls(*services) as unknown:
        assert [attempt(world, "nobody@example.com", "wrong password") for _ in range(2)] == ["401", "401"]
    # Then both made the same AWS calls in the same order: the email item, a user partition, the counter
    assert known == unknown
    assert known.count("dynamodb.GetItem") >= 2 and known.count("dynamodb.Query") == 2


def test_a_success_clears_the_failures(world: World) -> None:
    world.user("summit", EMAIL)
    for _ in range(4):
        attempt(world, EMAIL, "wrong password")
    assert attempt(world, EMAIL, PASSWORD) == "ok"
    assert [attempt(world, EMAIL, "wrong password") for _ in range(5)] == ["401"] * 5


# --- sessions --------------------------------------------------------------------------------------------------
def test_idle_timeout_is_30_minutes_and_use_slides_it(world: World) -> None:
    world.user("summit", EMAIL)
    issued = session(world)
    for _ in range(3):  # used every 29 minutes: still alive after 87 minutes
        world.clock.advance(minutes=29)
        assert principal(world, issued)
    world.clock.advance(minutes=30)
    with pytest.raises(Unauthorized):
        principal(world, issued)


def test_absolute_timeout_is_12_hours_however_busy(world: World) -> None:
    world.user("summit", EMAIL)
    issued = session(world)
    for _ in range(35):  # every 20 minutes for 11 h 40 min
        world.clock.advance(minutes=20)
        assert principal(world, issued)
    world.clock.advance(minutes=20)
    with pytest.raises(Unauthorized):
        principal(world, issued)


def test_last_seen_is_written_at_most_once_a_minute(world: World) -> None:
    world.user("summit", EMAIL)
    issued = session(world)
    calls = count_calls("dynamodb")
    for _ in range(5):
        world.clock.advance(seconds=10)
        principal(world, issued)
    assert calls["dynamodb.UpdateItem"] == 0
    world.clock.advance(seconds=20)
    principal(world, issued)
    assert calls["dynamodb.UpdateItem"] == 1
    assert not any(op.endswith(".Scan") for op in calls)


def test_logout_and_password_change_revoke_sessions(world: World) -> None:
    world.user("summit", EMAIL)
    here, elsewhere = session(world), session(world)
    # When the password is changed from one session
    world.identity.profile.change_password(principal(world, here), PASSWORD, "a brand new passphrase")
    # Then the other session ends and this one goes on
    with pytest.raises(Unauthorized):
        principal(world, elsewhere)
    signed_in = principal(world, here)
    # And logout ends this one too
    world.identity.sign_in.logout(signed_in)
    with pytest.raises(Unauthorized):
        principal(world, here)
    # And the new password is the one that works
    with pytest.raises(InvalidCredentials):
        login(world, "summit")
    assert isinstance(login(world, "summit", EMAIL, "a brand new passphrase"), IssuedSession)


def test_deactivation_ends_every_session_and_reactivation_allows_login_again(world: World) -> None:
    user_id = world.user("summit", EMAIL)
    issued = session(world)
    world.identity.users.set_status("summit", user_id, UserStatus.INACTIVE)
    with pytest.raises(Unauthorized):
        principal(world, issued)
    assert world.identity.sessions.revoke_all("summit", user_id) == 0  # already gone
    world.identity.users.set_status("summit", user_id, UserStatus.ACTIVE)
    assert isinstance(login(world, "summit"), IssuedSession)
