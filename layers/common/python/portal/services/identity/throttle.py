"""Brute-force limits (PRODUCT.md §9): progressive delay after 5 failures, a 15-minute lock after 10 failures
within 15 minutes, and never more than 100 failures per hour, per account (or challenge, or address).

An attempt is *charged* before it is checked and refunded (`clear`) only when it succeeds. Charging is a
conditional write on the counter's version, so concurrent guesses are serialised: a burst of parallel
requests cannot slip more failures past the limits than sequential ones could. A caller over the limit is
told when to come back (429 with Retry-After) instead of being held in a sleeping Lambda.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from portal.domain.errors import RateLimited
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


PRODUCTION_POLICY = ThrottlePolicy()


@dataclass(frozen=True)
class AttemptState:
    failures: tuple[int, ...] = ()  # epoch seconds of the failures of the last hour, oldest first
    locked_until: int = 0
    version: int = 0

    def retry_after(self, policy: ThrottlePolicy, now: int) -> int:
        """Seconds before another attempt is allowed (0: allowed now)."""
        if self.locked_until > now:
            return self.locked_until - now
        last_hour = [f for f in self.failures if f > now - HOUR]
        if len(last_hour) >= policy.hourly_cap:
            # Allowed again once the oldest of the most recent `hourly_cap` failures is an hour old.
            return max(1, last_hour[-policy.hourly_cap] + HOUR - now)
        recent = [f for f in last_hour if f > now - policy.window_s]
        if len(recent) >= policy.free_failures:
            delay = min(policy.first_delay_s * 2 ** (len(recent) - policy.free_failures), policy.max_delay_s)
            return max(0, recent[-1] + delay - now)
        return 0

    def with_failure(self, policy: ThrottlePolicy, now: int) -> AttemptState:
        recent = [f for f in self.failures if f > now - HOUR][-(policy.hourly_cap - 1) :]
        kept = (*recent, now)
        in_window = sum(1 for f in kept if f > now - policy.window_s)
        locked_until = now + policy.lock_s if in_window >= policy.lock_after else self.locked_until
        return replace(self, failures=kept, locked_until=locked_until, version=self.version + 1)

    def expires(self) -> int:
        """When the counter no longer matters (its TTL)."""
        return max([self.locked_until, *(f + HOUR for f in self.failures)])


class AttemptStore(Protocol):
    def get_attempts(self, key: AttemptKey) -> AttemptState: ...

    def save_attempts(self, key: AttemptKey, state: AttemptState, expected_version: int) -> bool: ...

    def clear_attempts(self, key: AttemptKey) -> None: ...


class Throttle:
    def __init__(self, store: AttemptStore, clock: Clock, policy: ThrottlePolicy = PRODUCTION_POLICY) -> None:
        self._store = store
        self._clock = clock
        self.policy = policy

    def charge(self, key: AttemptKey) -> None:
        """Count one attempt as failed before it is checked; RateLimited when the limits forbid it."""
        for _ in range(4):
            state = self._store.get_attempts(key)
            now = epoch(self._clock())
            wait = state.retry_after(self.policy, now)
            if wait > 0:
                raise RateLimited(
                    "Too many attempts; wait before trying again.", code="too_many_attempts", retry_after=wait
                )
            if self._store.save_attempts(key, state.with_failure(self.policy, now), state.version):
                return
        raise RateLimited("Too many attempts at once; try again.", code="too_many_attempts", retry_after=1)

    def clear(self, key: AttemptKey) -> None:
        """The attempt succeeded: forget the failures."""
        self._store.clear_attempts(key)
