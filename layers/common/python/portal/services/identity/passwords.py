"""Passwords (PRODUCT.md §9): argon2id hashes, the length rule and the common-password list.

Passwords are NFKC-normalised before hashing and checking, so the same password typed on two keyboards
(composed vs decomposed accents, full-width digits) is the same password. There are no composition rules:
length and "not a common password" are what make a password hard to guess (NIST SP 800-63B).
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.domain.errors import ValidationFailed
from portal.services.identity.common_passwords import LIST_FILE, generate

MIN_LENGTH = 8
MAX_LENGTH = 128


@dataclass(frozen=True)
class HashParameters:
    time_cost: int = 2
    memory_cost_kib: int = 19456  # 19 MiB
    parallelism: int = 1


PRODUCTION = HashParameters()


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (casefolded); generated in memory if the file did not travel with the code."""
    try:
        entries = LIST_FILE.read_text(encoding="utf-8").split()
    except OSError:
        entries = generate()
    return frozenset(entries)


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


class Passwords:
    def __init__(self, parameters: HashParameters = PRODUCTION) -> None:
        self.parameters = parameters
        self._hasher = PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost_kib,
            parallelism=parameters.parallelism,
            type=Type.ID,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalise(password))

    def verify(self, stored_hash: str | None, password: str) -> Verification:
        """Checks a password; with no stored hash (unknown email, Pending user) it still pays for a verify, so
        the answer takes as long as for a real user."""
        if stored_hash is None:
            self._verify(self._dummy_hash, password)
            return Verification(False)
        if not self._verify(stored_hash, password):
            return Verification(False)
        return Verification(True, self._hasher.check_needs_rehash(stored_hash))

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def check_new(self, password: str, *, email: str, field: str = "password") -> None:
        """The rules for a password being set: 8 to 128 characters, not common, not the email itself."""
        candidate = normalise(password)
        folded = candidate.casefold()
        problem = None
        if len(candidate) < MIN_LENGTH:
            problem = f"must be at least {MIN_LENGTH} characters long"
        elif len(candidate) > MAX_LENGTH:
            problem = f"must be at most {MAX_LENGTH} characters long"
        elif folded in common_passwords() or folded.strip() in common_passwords():
            problem = "is one of the most common passwords; choose another"
        elif folded in {email.casefold(), email.casefold().partition("@")[0]}:
            problem = "must not be your email address"
        if problem:
            raise ValidationFailed(
                "Choose a different password.", code="weak_password", fields=[{"field": field, "issue": problem}]
            )
