"""Brute-force limits (PRODUCT.md §9): progressive delay after 5 failures, a 15-minute lock after 10 failures
within 15 minutes, and never more than 100 failures per hour, per account (or challenge, or address).

An attempt is *charged* before it is checked, so a burst of parallel guesses cannot slip more failures past
the limits than sequential ones could: charging is a conditional write on the counter's version, and an
attempt still being checked (*in flight*) counts as a failure until it is settled. A success clears the
counter; a failure turns its in-flight entry into a settled failure.

What an in-flight entry must not do is refuse the account's owner: twenty correct logins at once would
otherwise charge each other into the progressive delay. So when only in-flight attempts stand in the way
(the settled failures alone allow the attempt), the caller waits a moment for them to settle instead of
being refused, bounded by `in_flight_wait_s`. A caller over the limit of settled failures is told when to
come back (429 with Retry-After) instead of being held in a sleeping Lambda. An in-flight entry older than
`in_flight_grace_s` (a crashed request) counts as a settled failure.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol

from portal.domain.errors import RateLimited
from portal.services.identity import tokens
from portal.services.identity.clock import Clock, epoch
from portal.services.identity.models import AttemptKey

HOUR = 3600


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    first_delay_s: int = 2  # after the 5th failure; doubles with each further one
    max_delay_s: int = 120
    lock_after: int = 10
    window_s: int = 15 * 60
    lock_s: int = 15 * 60
    hourly_cap: int = 100
    in_flight_grace_s: int = 30  # longer than any request may run (API Gateway stops at 29 s)
    in_flight_wait_s: float = 10.0  # how long a caller waits for in-flight attempts of its key to settle


PRODUCTION_POLICY = ThrottlePolicy()


@dataclass(frozen=True)
class AttemptState:
    failures: tuple[int, ...] = ()  # epoch seconds of the settled failures of the last hour, oldest first
    locked_until: int = 0
    version: int = 0
    in_flight: tuple[tuple[str, int], ...] = ()  # (ticket, epoch seconds) of attempts charged, not yet settled

    def charged(self) -> list[int]:
        """Every attempt not proven right: settled failures and in-flight attempts, oldest first."""
        return sorted([*self.failures, *(at for _, at in self.in_flight)])

    def settled(self, policy: ThrottlePolicy, now: int) -> AttemptState:
        """The counter as it would be if every fresh in-flight attempt turned out right."""
        stale = tuple(entry for entry in self.in_flight if entry[1] <= now - policy.in_flight_grace_s)
        return replace(self, in_flight=stale)

    def retry_after(self, policy: ThrottlePolicy, now: int) -> int:
        """Seconds before another attempt is allowed (0: allowed now)."""
        if self.locked_until > now:
            return self.locked_until - now
        last_hour = [f for f in self.charged() if f > now - HOUR]
        if len(last_hour) >= policy.hourly_cap:
            # Allowed again once the oldest of the most recent `hourly_cap` failures is an hour old.
            return max(1, last_hour[-policy.hourly_cap] + HOUR - now)
        recent = [f for f in last_hour if f > now - policy.window_s]
        if len(recent) >= policy.free_failures:
            delay = min(policy.first_delay_s * 2 ** (len(recent) - policy.free_failures), policy.max_delay_s)
            return max(0, recent[-1] + delay - now)
        return 0

    def with_failure(self, policy: ThrottlePolicy, now: int) -> AttemptState:
        """One more settled failure (the pure rule; the service charges with `with_attempt`)."""
        return self._charged(policy, now, failures=(*self._last_hour(self.failures, policy, now), now))

    def with_attempt(self, policy: ThrottlePolicy, now: int, ticket: str) -> AttemptState:
        """One more attempt in flight, counted as a failure until it is settled."""
        in_flight = (*(e for e in self.in_flight if e[1] > now - HOUR), (ticket, now))
        return self._charged(policy, now, failures=self._last_hour(self.failures, policy, now), in_flight=in_flight)

    @staticmethod
    def _last_hour(failures: tuple[int, ...], policy: ThrottlePolicy, now: int) -> tuple[int, ...]:
        return tuple(f for f in failures if f > now - HOUR)[-(policy.hourly_cap - 1) :]

    def _charged(
        self,
        policy: ThrottlePolicy,
        now: int,
        *,
        failures: tuple[int, ...],
        in_flight: tuple[tuple[str, int], ...] | None = None,
    ) -> AttemptState:
        state = replace(self, failures=failures, in_flight=self.in_flight if in_flight is None else in_flight)
        in_window = sum(1 for f in state.charged() if f > now - policy.window_s)
        locked_until = now + policy.lock_s if in_window >= policy.lock_after else self.locked_until
        return replace(state, locked_until=locked_until, version=self.version + 1)

    def expires(self) -> int:
        """When the counter no longer matters (its TTL)."""
        return max([self.locked_until, *(f + HOUR for f in self.charged())])


class AttemptStore(Protocol):
    def get_attempts(self, key: AttemptKey) -> AttemptState: ...

    def save_attempts(self, key: AttemptKey, state: AttemptState, expected_version: int) -> bool: ...

    def settle_attempt(self, key: AttemptKey, ticket: str, at: int) -> None:
        """The in-flight attempt `ticket` failed: a settled failure at `at` (nothing if cleared meanwhile)."""
        ...

    def clear_attempts(self, key: AttemptKey) -> None: ...


@dataclass
class Attempt:
    """One charged attempt: `succeeded()` clears the counter; leaving the `with` block without it is a failure."""

    throttle: Throttle
    key: AttemptKey
    ticket: str
    done: bool = field(default=False)

    def succeeded(self) -> None:
        if not self.done:
            self.done = True
            self.throttle.clear(self.key)

    def failed(self) -> None:
        if not self.done:
            self.done = True
            self.throttle.fail(self.key, self.ticket)


class Throttle:
    def __init__(
        self,
        store: AttemptStore,
        clock: Clock,
        policy: ThrottlePolicy = PRODUCTION_POLICY,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic
        self.policy = policy

    @contextmanager
    def attempt(self, key: AttemptKey) -> Iterator[Attempt]:
        """Charges one attempt (RateLimited when the limits forbid it) and settles it when the block ends."""
        attempt = Attempt(self, key, self.charge(key))
        try:
            yield attempt
        finally:
            attempt.failed()

    def charge(self, key: AttemptKey) -> str:
        """Counts one attempt as in flight before it is checked; its ticket, or RateLimited."""
        ticket = self.try_charge(key, wait=True)
        if isinstance(ticket, int):
            raise RateLimited(
                "Too many attempts; wait before trying again.", code="too_many_attempts", retry_after=ticket
            )
        return ticket

    def try_charge(self, key: AttemptKey, *, wait: bool = False) -> str | int:
        """A ticket, or the seconds to wait when the limits forbid the attempt. With `wait`, in-flight
        attempts that alone stand in the way are waited for (they may turn out right); without, they count."""
        ticket = tokens.new_id()
        deadline = self._monotonic() + self.policy.in_flight_wait_s
        pause = 0.005
        while True:
            state = self._store.get_attempts(key)
            now = epoch(self._clock())
            retry = state.retry_after(self.policy, now)
            if retry == 0:
                if self._store.save_attempts(key, state.with_attempt(self.policy, now, ticket), state.version):
                    return ticket
            elif not wait or state.settled(self.policy, now).retry_after(self.policy, now) > 0:
                return retry
            if self._monotonic() >= deadline:
                return max(retry, 1)
            # Another attempt of this key changed the counter or is still in flight: try again shortly,
            # jittered so that a burst does not retry in lockstep.
            self._sleep(random.uniform(pause / 2, pause))  # jitter, not a secret
            pause = min(pause * 2, 0.1)

    def fail(self, key: AttemptKey, ticket: str) -> None:
        """The attempt was wrong: it stays counted, as a settled failure."""
        self._store.settle_attempt(key, ticket, epoch(self._clock()))

    def clear(self, key: AttemptKey) -> None:
        """The attempt succeeded: forget the failures."""
        self._store.clear_attempts(key)
