"""Requests of one person arriving at once (a double-clicked button, a retrying client, a script): the limits
must hold for failures and emails, and must never refuse a correct attempt.

Threads call the services directly (a handler module serves one event at a time, as a Lambda does); an
exception is what the resolver would turn into a non-2xx answer, so "no exception" is the 200/202.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from portal.domain.enrollment import EnrollmentRequest
from portal.domain.errors import RateLimited
from portal.services.identity.models import InvalidCredentials, IssuedSession
from tests.integration.identity.kit import PASSWORD, World

EMAIL = "pat.lee@example.com"


@pytest.fixture(autouse=True)
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process moto applies a request in several Python steps without a lock, so two threads can interleave
    inside one conditional write; DynamoDB applies each request atomically. Serialising whole requests (and
    nothing else) restores that, while the requests of different threads still interleave freely."""
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.process_request
    lock = threading.Lock()

    def atomic(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", atomic)
    yield


def outcomes(count: int, action: Callable[[], Any]) -> Counter[str]:
    def one(_: int) -> str:
        try:
            result = action()
        except RateLimited:
            return "429"
        except InvalidCredentials:
            return "401"
        return "200" if isinstance(result, IssuedSession) else "ok"

    with ThreadPoolExecutor(max_workers=count) as pool:
        return Counter(pool.map(one, range(count)))


def test_twenty_correct_logins_at_once_all_succeed(world: World) -> None:
    world.user("summit", EMAIL)
    assert outcomes(20, lambda: world.identity.sign_in.login("summit", EMAIL, PASSWORD)) == {"200": 20}


def test_correct_logins_at_once_still_succeed_after_a_few_failures(world: World) -> None:
    world.user("summit", EMAIL)
    for _ in range(4):
        with contextlib.suppress(InvalidCredentials):
            world.identity.sign_in.login("summit", EMAIL, "wrong password")
    assert outcomes(10, lambda: world.identity.sign_in.login("summit", EMAIL, PASSWORD)) == {"200": 10}


def test_wrong_passwords_at_once_get_no_more_tries_than_one_after_the_other(world: World) -> None:
    # Given thirty wrong guesses sent at once (the clock stands still: no delay ever runs out)
    world.user("summit", EMAIL)
    seen = outcomes(30, lambda: world.identity.sign_in.login("summit", EMAIL, "wrong password"))
    # Then five were checked, as five sequential ones would have been, and the rest were told to wait
    assert seen == {"401": 5, "429": 25}
    # And the right password, too, must wait now: the failures were real
    outcome = outcomes(1, lambda: world.identity.sign_in.login("summit", EMAIL, PASSWORD))
    assert outcome == {"429": 1}


def test_fifty_enrollments_of_one_email_at_once_send_at_most_three_emails(world: World) -> None:
    world.put_account("summit", "A-1", "Acme Excavation", email_="ap@acme.example")
    world.put_contract("summit", "C-100", "A-1", postal="60601")
    request = EnrollmentRequest("Ann", "Smith", "ap@acme.example", "60601", "C-100")
    # When fifty eligible requests arrive at once
    seen = outcomes(50, lambda: world.identity.enrollment.enroll("summit", request))
    # Then every one is answered 202, one user exists, and at most three emails went out
    assert seen == {"ok": 50}
    assert 1 <= len(world.outbox.all("ap@acme.example")) <= 3
    assert world.identity.users.find_by_email("summit", "ap@acme.example") is not None


def test_attempts_of_a_crashed_request_hold_a_correct_login_up_only_until_they_count_as_failures(
    world: World,
) -> None:
    from portal.services.identity.models import AttemptKey
    from portal.services.identity.throttle import PRODUCTION_POLICY, Throttle

    world.user("summit", EMAIL)
    key = AttemptKey("summit", "login", "email", EMAIL)
    impatient = Throttle(world.store, world.clock, replace(PRODUCTION_POLICY, in_flight_wait_s=0.05))
    # Given five attempts charged by requests that died before answering
    for _ in range(5):
        impatient.charge(key)
    # Then a correct login waits for them a moment, and is then told to come back
    world.identity.ctx.throttle = impatient
    assert outcomes(1, lambda: world.identity.sign_in.login("summit", EMAIL, PASSWORD)) == {"429": 1}
    # And once they count as failures (longer than any request runs), their delay has long passed
    world.clock.advance(seconds=PRODUCTION_POLICY.in_flight_grace_s)
    assert outcomes(1, lambda: world.identity.sign_in.login("summit", EMAIL, PASSWORD)) == {"200": 1}
