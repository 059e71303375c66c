"""The sync's site-independent account index: what terms a name gives, and the facts item's contract list."""

from __future__ import annotations

import json

from portal.services.admin_accounts import EXACT, PHONETIC, PREFIX, word_rank
from portal.services.sync_items import AccountState, account_index_items, phonetic, search_tokens


def _state(name: str, roles: list[dict[str, object]] | None = None) -> AccountState:
    return AccountState(account={"AccountId": "A-1", "Name": name, "AccountType": "Business"}, roles=roles or [])


def test_names_become_ascii_lower_case_words() -> None:
    assert search_tokens("Cedar Trucking, Inc.") == ["cedar", "trucking", "inc"]
    assert search_tokens("Crème Brûlée & Co") == ["creme", "brulee", "co"]
    assert phonetic("Truking") == phonetic("trucking") != phonetic("transport")


def test_an_account_gets_its_facts_item_and_one_term_per_word_sound_and_number() -> None:
    role = {"ContractId": "C-1", "RoleType": "Customer", "PrivateLabel": "AGRI", "IsBooked": True,
            "IsTerminated": False}  # fmt: skip
    items = {(i.pk, i.sk): i for i in account_index_items(_state("Cedar Cedar Trucking", [role]))}
    assert set(items) == {
        ("ACCT#A-1", "FACTS"),
        ("ASEARCH#N#ce", "cedar#A-1"),
        ("ASEARCH#N#tr", "trucking#A-1"),
        (f"ASEARCH#P#{phonetic('cedar')}", "A-1"),
        (f"ASEARCH#P#{phonetic('trucking')}", "A-1"),
        ("ASEARCH#I#a-", "a-1#A-1"),
    }
    facts = items[("ACCT#A-1", "FACTS")].attributes
    assert json.loads(facts["contracts_json"]) == [
        {"contract_id": "C-1", "booked": True, "terminated": False, "private_label": "AGRI", "roles": ["Customer"]}
    ]
    assert all(i.cadence == "incremental" for i in items.values())


def test_a_name_without_letters_or_digits_is_found_by_its_number_only() -> None:
    items = account_index_items(_state("&&&"))
    assert sorted(i.pk for i in items) == ["ACCT#A-1", "ASEARCH#I#a-"]


def test_words_rank_exact_then_prefix_then_sound() -> None:
    assert word_rank("cedar", "Cedar Trucking") == EXACT
    assert word_rank("truck", "Cedar Trucking") == PREFIX
    assert word_rank("truking", "Cedar Trucking") == PHONETIC
    assert word_rank("birch", "Cedar Trucking") is None
