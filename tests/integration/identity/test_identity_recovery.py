"""Forgot password and reset: 202 for everyone, a single-use 30-minute link for Active users only."""

from __future__ import annotations

import pytest

from portal.domain.errors import RateLimited, Unauthorized
from portal.services.identity.models import InvalidCredentials, InvalidToken, IssuedSession, UserStatus
from tests.integration.identity.kit import PASSWORD, World

EMAIL = "pat.lee@example.com"
NEW = "a brand new passphrase"


def reset_token(world: World, email: str = EMAIL) -> str:
    world.identity.recovery.forgot("summit", email)
    mail = world.outbox.last(email)
    assert mail.kind == "password_reset"
    assert mail.link.startswith(f"{world.identity.ctx.web_base_url}/sites/summit/reset-password?token=")
    return mail.token


def test_reset_link_sets_the_password_once_and_ends_every_session(world: World) -> None:
    world.user("summit", EMAIL)
    issued = world.identity.sign_in.login("summit", EMAIL, PASSWORD)
    assert isinstance(issued, IssuedSession)
    token = reset_token(world)
    # When the link is used
    world.identity.recovery.reset("summit", token, NEW, "10.0.0.1")
    # Then the new password works, the old one does not, and the old session is gone
    assert isinstance(world.identity.sign_in.login("summit", EMAIL, NEW), IssuedSession)
    with pytest.raises(InvalidCredentials):
        world.identity.sign_in.login("summit", EMAIL, PASSWORD)
    with pytest.raises(Unauthorized):
        world.identity.sessions.authenticate(issued.access_token)
    # And the link is used up
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("summit", token, "yet another passphrase", "10.0.0.1")


def test_reset_link_expires_after_30_minutes(world: World) -> None:
    world.user("summit", EMAIL)
    token = reset_token(world)
    world.clock.advance(minutes=30)
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("summit", token, NEW, "10.0.0.1")


def test_a_link_works_only_on_its_own_site_and_for_its_own_purpose(world: World) -> None:
    world.user("summit", EMAIL)
    token = reset_token(world)
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("careline", token, NEW, "10.0.0.1")
    with pytest.raises(InvalidToken):
        world.identity.enrollment.verify("summit", token, NEW, "10.0.0.1")
    world.identity.recovery.reset("summit", token, NEW, "10.0.0.1")


def test_forgot_sends_nothing_for_unknown_or_inactive_emails_and_a_registration_link_to_pending_ones(
    world: World,
) -> None:
    inactive = world.user("summit", "gone@example.com")
    world.store.set_status("summit", inactive, UserStatus.INACTIVE, "2026-11-02T15:00:00Z")
    world.identity.users.create_user("summit", "new@example.com", "New", "User", ["A-1"])
    for email in ("nobody@example.com", "gone@example.com", "new@example.com"):
        world.identity.recovery.forgot("summit", email)
    assert [(m.to, m.kind) for m in world.outbox.all()] == [("new@example.com", "registration")]


def test_a_reset_lifts_a_login_lock(world: World) -> None:
    world.user("summit", EMAIL)
    failures = 0
    while failures < 10:  # ten wrong passwords, each as soon as allowed
        try:
            world.identity.sign_in.login("summit", EMAIL, "wrong password")
        except InvalidCredentials:
            failures += 1
        except RateLimited as limited:
            world.clock.advance(seconds=limited.retry_after or 1)
    with pytest.raises(RateLimited):
        world.identity.sign_in.login("summit", EMAIL, PASSWORD)
    world.identity.recovery.reset("summit", reset_token(world), NEW, "10.0.0.1")
    assert isinstance(world.identity.sign_in.login("summit", EMAIL, NEW), IssuedSession)


def test_forgot_is_limited_silently_and_sends_at_most_three_links_an_hour(world: World) -> None:
    world.user("summit", EMAIL)
    world.clock.advance(minutes=59, seconds=59)  # 15:59:59, a second before the next clock hour
    # When five requests arrive at once: none is refused, but only three links go out this hour
    for _ in range(5):
        world.identity.recovery.forgot("summit", EMAIL)
    assert [m.kind for m in world.outbox.all(EMAIL)] == ["password_reset"] * 3
    # And in the next clock hour, the sixth request (inside the 2 s delay after five) is quietly dropped
    world.clock.advance(seconds=1)
    world.identity.recovery.forgot("summit", EMAIL)
    assert len(world.outbox.all(EMAIL)) == 3
    # While the seventh, once the delay is over, sends a link again
    world.clock.advance(seconds=2)
    world.identity.recovery.forgot("summit", EMAIL)
    assert len(world.outbox.all(EMAIL)) == 4


def test_bad_links_are_limited(world: World) -> None:
    bad = "x" * 43
    for _ in range(5):
        with pytest.raises(InvalidToken):
            world.identity.recovery.reset("summit", bad, NEW, "10.9.9.9")
    with pytest.raises(RateLimited):
        world.identity.recovery.reset("summit", bad, NEW, "10.9.9.9")


# --- a password change voids every link sent before; a newer link voids the older ones ------------------------
def test_an_older_reset_link_fails_once_a_newer_one_was_sent_and_used(world: World) -> None:
    world.user("summit", EMAIL)
    older, newer = reset_token(world), reset_token(world)
    world.identity.recovery.reset("summit", newer, NEW, "10.0.0.1")
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("summit", older, "an attacker's passphrase", "10.0.0.1")
    assert isinstance(world.identity.sign_in.login("summit", EMAIL, NEW), IssuedSession)


def test_a_newer_reset_link_voids_the_older_one_even_unused(world: World) -> None:
    world.user("summit", EMAIL)
    older, newer = reset_token(world), reset_token(world)
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("summit", older, NEW, "10.0.0.1")
    world.identity.recovery.reset("summit", newer, NEW, "10.0.0.1")


def test_a_reset_link_fails_after_the_password_was_changed_in_the_profile(world: World) -> None:
    world.user("summit", EMAIL)
    token = reset_token(world)
    issued = world.identity.sign_in.login("summit", EMAIL, PASSWORD)
    assert isinstance(issued, IssuedSession)
    world.identity.profile.change_password(world.identity.sessions.authenticate(issued.access_token), PASSWORD, NEW)
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("summit", token, "an attacker's passphrase", "10.0.0.1")
    assert isinstance(world.identity.sign_in.login("summit", EMAIL, NEW), IssuedSession)


def test_a_reset_link_fails_after_another_reset_of_the_password(world: World) -> None:
    # Given a link sent by the admin API and one the user asked for later, used
    user_id = world.user("summit", EMAIL)
    world.identity.recovery.send_reset_link("summit", user_id)
    admin_token = world.outbox.last(EMAIL).token
    world.identity.recovery.reset("summit", reset_token(world), NEW, "10.0.0.1")
    # Then the admin's link is void
    with pytest.raises(InvalidToken):
        world.identity.recovery.reset("summit", admin_token, "an attacker's passphrase", "10.0.0.1")


def test_a_rehash_at_login_is_not_a_password_change(world: World) -> None:
    from portal.services.identity.passwords import HashParameters
    from tests.integration.identity.kit import build_world

    world.user("summit", EMAIL)
    token = reset_token(world)
    stronger = build_world(world.outbox.directory, hashes=HashParameters(2, 64, 1), clock=world.clock)
    assert isinstance(stronger.identity.sign_in.login("summit", EMAIL, PASSWORD), IssuedSession)  # rehashes
    world.identity.recovery.reset("summit", token, NEW, "10.0.0.1")


def test_admin_reset_is_for_active_users_and_resend_registration_for_pending_ones(world: World) -> None:
    from portal.domain.errors import Conflict

    active = world.user("summit", EMAIL)
    pending = world.identity.users.create_user("summit", "new@example.com", "New", "User", ["A-1"]).user_id
    world.identity.recovery.send_reset_link("summit", active)
    world.identity.enrollment.resend_registration("summit", pending)
    assert [(m.to, m.kind) for m in world.outbox.all()] == [
        (EMAIL, "password_reset"),
        ("new@example.com", "registration"),
    ]
    with pytest.raises(Conflict):
        world.identity.recovery.send_reset_link("summit", pending)
    with pytest.raises(Conflict):
        world.identity.enrollment.resend_registration("summit", active)
    world.identity.recovery.reset("summit", world.outbox.last(EMAIL).token, NEW, "10.0.0.1")
