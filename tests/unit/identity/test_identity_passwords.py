"""Password hashing and rules (PRODUCT.md §9): argon2id at the required cost, length, common passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type

from portal.domain.errors import ValidationFailed
from portal.services.identity import common_passwords
from portal.services.identity.passwords import PRODUCTION, HashParameters, Passwords
from portal.services.identity.passwords import common_passwords as shipped

CHEAP = Passwords(HashParameters(time_cost=1, memory_cost_kib=8, parallelism=1))


def test_production_parameters_meet_the_security_baseline() -> None:
    # Given the production hasher
    passwords = Passwords()
    # When it hashes a password
    stored = passwords.hash("a long enough passphrase")
    # Then the (self-describing) hash says argon2id with memory >= 19 MiB, time cost >= 2 and parallelism 1
    assert stored.startswith("$argon2id$v=19$")
    settings = dict(part.split("=") for part in stored.split("$")[3].split(","))
    assert int(settings["m"]) >= 19 * 1024 and int(settings["t"]) >= 2 and int(settings["p"]) == 1
    assert PRODUCTION.memory_cost_kib >= 19456 and PRODUCTION.time_cost >= 2 and PRODUCTION.parallelism == 1
    assert passwords.verify(stored, "a long enough passphrase").ok


def test_a_hash_below_target_is_flagged_for_rehash_on_the_next_login() -> None:
    weak = CHEAP.hash("a long enough passphrase")
    verification = Passwords().verify(weak, "a long enough passphrase")
    assert verification.ok and verification.needs_rehash


def test_wrong_password_and_missing_hash_fail() -> None:
    stored = CHEAP.hash("a long enough passphrase")
    assert not CHEAP.verify(stored, "a long enough passphras").ok
    assert not CHEAP.verify(None, "anything at all").ok  # unknown email: still pays for a verify
    assert not CHEAP.verify("not-a-hash", "anything at all").ok


def test_normalisation_makes_composed_and_decomposed_accents_the_same_password() -> None:
    stored = CHEAP.hash("caf\u00e9 au lait please")
    assert CHEAP.verify(stored, "cafe\u0301 au lait please").ok


@pytest.mark.parametrize(
    ("password", "issue"),
    [
        ("short7!", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password1", "most common"),
        ("Qwerty123", "most common"),
        ("iloveyou!", "most common"),
        ("pat.lee@example.com", "email"),
        ("pat.lee1", None),
    ],
)
def test_rules_for_a_new_password(password: str, issue: str | None) -> None:
    if issue is None:
        CHEAP.check_new(password, email="pat.lee@example.com")
        return
    with pytest.raises(ValidationFailed) as raised:
        CHEAP.check_new(password, email="pat.lee@example.com")
    assert raised.value.code == "weak_password"
    assert issue in raised.value.fields[0]["issue"]


def test_no_composition_rules_and_long_passphrases_allowed() -> None:
    CHEAP.check_new("alllowercaseletters", email="a@b.c")
    CHEAP.check_new("z" * 64, email="a@b.c")
    CHEAP.check_new("\u00e9t\u00e9 \u00e0 la plage " * 6, email="a@b.c")


def test_the_shipped_list_is_the_generators_output_and_about_a_thousand_entries() -> None:
    on_disk = common_passwords.LIST_FILE.read_text(encoding="utf-8")
    assert on_disk == common_passwords.render(common_passwords.generate())
    entries = on_disk.split()
    assert len(entries) == len(set(entries)) == common_passwords.SIZE
    assert {"123456", "password", "qwerty", "password1", "qwerty123", "letmein"} <= shipped()
    assert all(entry == entry.casefold() for entry in entries)


def test_hash_type_is_argon2id() -> None:
    assert Type.ID.name == "ID"
    assert CHEAP.hash("whatever you like").startswith("$argon2id$")


def test_an_unknown_email_pays_for_an_argon2_verify_with_the_same_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the production hasher, watched where it verifies
    passwords = Passwords()
    stored = passwords.hash("a long enough passphrase")
    verified: list[str] = []
    original = PasswordHasher.verify

    def watched(self: PasswordHasher, hash_: str, password: str) -> bool:
        verified.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", watched)
    # When a real hash and no hash (unknown email, Pending user) are checked
    assert not passwords.verify(stored, "not the passphrase").ok
    assert not passwords.verify(None, "not the passphrase").ok
    # Then both ran one argon2id verify, of a hash with the same cost parameters
    real, dummy = verified

    def parameters(hash_: str) -> list[str]:
        return hash_.split("$")[1:4]  # argon2id, v=19, m=...,t=...,p=...

    assert len(verified) == 2 and parameters(dummy) == parameters(real)
    assert parameters(real) == ["argon2id", "v=19", "m=19456,t=2,p=1"]


def test_the_pacer_pads_a_fast_answer_to_the_floor_even_when_it_fails() -> None:
    from portal.services.identity.context import Pacer

    ticks = iter([10.0, 10.1])
    slept: list[float] = []
    pacer = Pacer(0.35, sleep=slept.append, monotonic=lambda: next(ticks))
    with pytest.raises(ValidationFailed), pacer.paced():
        raise ValidationFailed("no")
    assert slept == [pytest.approx(0.25)]
