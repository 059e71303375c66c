"""Brute-force limits as a pure rule: delay after 5 failures, lock after 10 in 15 minutes, 100 per hour."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.identity.throttle import PRODUCTION_POLICY, AttemptState, ThrottlePolicy

P = PRODUCTION_POLICY
T0 = 1_800_000_000


def fail(state: AttemptState, at: int, policy: ThrottlePolicy = P) -> AttemptState:
    assert state.retry_after(policy, at) == 0, "the attempt should have been allowed"
    return state.with_failure(policy, at)


def test_five_failures_are_free_then_the_delay_doubles() -> None:
    # Given five failures in a row
    state = AttemptState()
    for n in range(5):
        state = fail(state, T0 + n)
    # Then the next attempt must wait 2 s, then 4 s, then 8 s
    assert state.retry_after(P, T0 + 4) == 2
    state = fail(state, T0 + 6)
    assert state.retry_after(P, T0 + 6) == 4
    state = fail(state, T0 + 10)
    assert state.retry_after(P, T0 + 10) == 8


def test_ten_failures_within_fifteen_minutes_lock_for_fifteen_minutes_then_unlock() -> None:
    state, now = AttemptState(), T0
    for _ in range(10):
        now += state.retry_after(P, now)
        state = fail(state, now)
    # Then locked for 15 minutes from the tenth failure
    assert state.locked_until == now + 900
    assert state.retry_after(P, now + 899) == 1
    # And unlocked afterwards, with five free attempts again
    assert state.retry_after(P, now + 900) == 0


def test_failures_spread_out_do_not_lock() -> None:
    state = AttemptState()
    for n in range(12):
        state = fail(state, T0 + n * 200)  # one every 200 s: never 5 within 15 minutes
    assert state.locked_until == 0


def test_the_hourly_cap_holds_even_with_a_lenient_lock() -> None:
    lenient = ThrottlePolicy(free_failures=1000, lock_after=1000)
    state = AttemptState()
    for n in range(100):
        state = fail(state, T0 + n, lenient)
    # The 101st failure within the hour must wait until the first is an hour old
    assert state.retry_after(lenient, T0 + 100) == 3600 - 100
    assert state.retry_after(lenient, T0 + 3600) == 0


def test_counter_expires_when_it_no_longer_matters() -> None:
    state = fail(AttemptState(), T0)
    assert state.expires() == T0 + 3600


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=400))
def test_never_more_than_100_failures_in_any_hour(gaps: list[int]) -> None:
    # Whatever the rhythm of an attacker who retries as soon as allowed
    state, now, charged = AttemptState(), T0, []
    for gap in gaps:
        now += gap
        wait = state.retry_after(P, now)
        if wait:
            now += wait
        state = state.with_failure(P, now)
        charged.append(now)
    # Then no hour holds more than 100 failures, and no 15 minutes more than 10
    for i, start in enumerate(charged):
        in_hour = sum(1 for t in charged[i:] if t < start + 3600)
        in_window = sum(1 for t in charged[i:] if t < start + 900)
        assert in_hour <= 100 and in_window <= 10


def test_attempts_in_flight_count_like_failures_until_settled() -> None:
    # Given five attempts charged and not yet answered
    state = AttemptState()
    for n in range(5):
        state = state.with_attempt(P, T0, f"t{n}")
    # Then a sixth must wait, as after five failures
    assert state.retry_after(P, T0) == 2
    # But only because of attempts in flight: had they all turned out right, it would be allowed
    assert state.settled(P, T0).retry_after(P, T0) == 0


def test_an_attempt_in_flight_longer_than_any_request_counts_as_a_failure() -> None:
    state = AttemptState()
    for n in range(5):
        state = state.with_attempt(P, T0, f"t{n}")
    later = T0 + P.in_flight_grace_s
    assert state.settled(P, later) == state  # nobody is still checking those: they were failures
    assert state.expires() == T0 + 3600


def test_ten_attempts_in_flight_lock_like_ten_failures() -> None:
    lenient_delay = ThrottlePolicy(first_delay_s=0)
    state = AttemptState()
    for n in range(10):
        assert state.retry_after(lenient_delay, T0) == 0
        state = state.with_attempt(lenient_delay, T0, f"t{n}")
    assert state.locked_until == T0 + 900
