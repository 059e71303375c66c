"""Linkable-account search (phonetic on names, by number, near misses with the failed rule) and reverse lookup."""

from __future__ import annotations

from typing import Any

from tests.integration.admin_reads.admin_reads_kit import AdminWorld
from tests.integration.identity.kit import count_calls

SEARCH = "/admin/sites/{site}/accounts"


def search(admin: AdminWorld, q: str, site: str = "summit", **extra: str) -> dict[str, Any]:
    status, body = admin.get(SEARCH.format(site=site), {"q": q, **extra})
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def test_a_misspelt_name_finds_the_account_phonetically(admin: AdminWorld) -> None:
    # When support searches for "Cedar Truking"
    body = search(admin, "Cedar Truking")
    # Then Cedar Trucking is found, with its active contract on the site
    assert body["items"] == [{"account_id": "A-1", "name": "Cedar Trucking LLC", "active_contracts": ["C-1"]}]
    assert body["not_linkable"] == [] and body["next_token"] is None


def test_matching_accounts_that_cannot_be_linked_come_back_with_the_rule_that_failed(admin: AdminWorld) -> None:
    body = search(admin, "cedar")
    assert [i["account_id"] for i in body["items"]] == ["A-1", "A-6"]
    misses = {m["account_id"]: m for m in body["not_linkable"]}
    assert {aid: m["rule"] for aid, m in misses.items()} == {
        "A-2": "has_active_contract",
        "A-3": "active_contract_label_maps_to_site",
        "A-4": "holds_customer_or_guarantor_role",
        "A-5": "has_active_contract",
    }
    assert "terminated: C-2" in misses["A-2"]["detail"]
    assert "C-3 (private label 'AGRI' -> site harvest)" in misses["A-3"]["detail"]
    assert "Vendor" not in misses["A-4"]["detail"] and "other roles on 1 contract: C-1" in misses["A-4"]["detail"]
    assert "not booked: C-5" in misses["A-5"]["detail"]


def test_the_same_account_is_linkable_on_the_site_its_label_maps_to(admin: AdminWorld) -> None:
    body = search(admin, "cedar farms", site="harvest")
    assert body["items"] == [{"account_id": "A-3", "name": "Cedar Farms", "active_contracts": ["C-3"]}]


def test_an_account_number_is_found_by_its_prefix(admin: AdminWorld) -> None:
    assert [i["account_id"] for i in search(admin, "a-6")["items"]] == ["A-6"]


def test_pages_follow_the_ranking_and_a_tampered_token_is_refused(admin: AdminWorld) -> None:
    first = search(admin, "cedar", limit="1")
    assert [i["account_id"] for i in first["items"]] == ["A-1"] and first["next_token"]
    second = search(admin, "cedar", limit="1", next_token=first["next_token"])
    assert [i["account_id"] for i in second["items"]] == ["A-6"]
    status, body = admin.get(SEARCH.format(site="summit"), {"q": "cedar", "next_token": first["next_token"][:-2]})
    assert status == 400 and body["error"]["code"] == "invalid_next_token"
    status, body = admin.get(SEARCH.format(site="summit"), {"q": "birch", "next_token": first["next_token"]})
    assert status == 400, "a token is bound to its query"


def test_a_renamed_account_leaves_no_stale_search_term(admin: AdminWorld) -> None:
    # Given Cedar Trucking renamed in ASPIRE, then an incremental sync
    admin.aspire.sql("UPDATE Account SET Name = 'Birch Haulage' WHERE AccountId = 'A-1'")
    admin.run_sync()
    # Then the old name finds it no more, and the new one does
    assert search(admin, "trucking")["items"] == []
    assert [i["account_id"] for i in search(admin, "birch haulage")["items"]] == ["A-1"]


def test_the_cost_of_a_search_does_not_grow_with_the_number_of_accounts(admin: AdminWorld) -> None:
    search(admin, "cedar truking")  # the site map is cached from now on
    calls = count_calls("dynamodb")
    search(admin, "cedar truking")
    before = sum(calls.values())
    # Given 40 more accounts with other names
    for n in range(40):
        admin.aspire.account(f"B-{n}", f"Birch Holdings {n}")
        admin.aspire.contract(f"CB-{n}", f"B-{n}")
    admin.run_sync()
    calls.clear()
    search(admin, "cedar truking")
    assert sum(calls.values()) == before
    assert before <= 6, calls  # 2 Queries per word, 1 for the number, 1 BatchGetItem


def test_short_or_empty_queries_are_422(admin: AdminWorld) -> None:
    for q in ("a", "  ", "-"):
        status, body = admin.get(SEARCH.format(site="summit"), {"q": q})
        assert status == 422, (q, body)


def test_an_unknown_site_is_404(admin: AdminWorld) -> None:
    status, body = admin.get(SEARCH.format(site="nowhere"), {"q": "cedar"})
    assert status == 404 and body["error"]["code"] == "site_not_found"


def test_reverse_lookup_lists_the_users_linked_to_an_account_filtered_by_status(admin: AdminWorld) -> None:
    from portal.services.identity.models import UserStatus

    world = admin.world
    active = world.user("summit", "pat@example.com", accounts=("A-1",))
    pending = world.identity.users.create_user("summit", "sam@example.com", "Sam", "Ray", ["A-1", "A-6"]).user_id
    world.user("summit", "other@example.com", accounts=("A-6",))
    world.user("harvest", "far@example.com", accounts=("A-1",))
    status, body = admin.get("/admin/sites/summit/accounts/A-1/users")
    assert status == 200, body
    assert [(u["user_id"], u["email"], u["status"]) for u in body["items"]] == [
        (active, "pat@example.com", "Active"),
        (pending, "sam@example.com", "Pending"),
    ]
    status, body = admin.get("/admin/sites/summit/accounts/A-1/users", {"status": str(UserStatus.PENDING)})
    assert [u["email"] for u in body["items"]] == ["sam@example.com"] and body["items"][0]["first_name"] == "Sam"
    status, body = admin.get("/admin/sites/summit/accounts/A-1/users", {"status": "Gone"})
    assert status == 422


def test_a_common_word_cut_at_the_query_bound_does_not_hide_what_a_rare_word_finds(
    admin: AdminWorld, monkeypatch: Any
) -> None:
    from portal.services import admin_accounts

    # Given a bound smaller than the six accounts named "Cedar ..." (in AWS: 200 index entries per Query)
    monkeypatch.setattr(admin_accounts, "TERM_QUERY_LIMIT", 3)
    # Then the rare word decides the candidates and the common one is matched on their names
    assert [i["account_id"] for i in search(admin, "cedar truking")["items"]] == ["A-1"]
    assert [i["account_id"] for i in search(admin, "truking cedar")["items"]] == ["A-1"]


def test_exact_words_rank_before_prefixes_and_prefixes_before_sounds(admin: AdminWorld) -> None:
    admin.aspire.account("A-7", "Cedarwood Supply")
    admin.aspire.contract("C-8", "A-7")
    admin.aspire.account("A-8", "Seder Supply")
    admin.aspire.contract("C-9", "A-8")
    admin.run_sync()
    names = [i["name"] for i in search(admin, "cedar supply")["items"]]
    assert names == ["Cedarwood Supply", "Seder Supply"]
    names = [i["name"] for i in search(admin, "cedar")["items"]]
    assert names[:2] == ["Cedar Trucking LLC", "Cedar Trust"] and names[-2:] == ["Cedarwood Supply", "Seder Supply"]
