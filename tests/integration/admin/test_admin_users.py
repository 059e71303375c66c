"""A site's users through the admin function: create, search, edit, the account actions, and their audit."""

from __future__ import annotations

from typing import Any

import pytest

from local.events import LambdaContextStub, api_event, authorizer_event
from tests.integration.admin.admin_kit import SUPPORT, admin, audit_entries, linkable_account
from tests.integration.identity.kit import PASSWORD, World, call

USERS = "/admin/sites/summit/users"


def create(world: World, email: str, first: str = "Pat", last: str = "Lee", accounts: tuple[str, ...] = ()) -> str:
    status, body = admin("POST", USERS, {"email": email, "first_name": first, "last_name": last,
                                         "account_ids": list(accounts)})  # fmt: skip
    assert status == 201, body
    return str(body["user_id"])


def test_create_makes_a_pending_user_mails_the_link_links_and_syncs_the_accounts(world: World) -> None:
    # Given a linkable account on summit
    linkable_account(world, "summit", "A-10", "C-10")
    # When an admin creates a user linked to it
    status, body = admin("POST", USERS, {"email": "Dana@Example.com", "first_name": "Dana", "last_name": "Ruiz",
                                         "account_ids": ["A-10"]})  # fmt: skip
    # Then the user is Pending, linked, was mailed a registration link, and the account was synced at once
    assert status == 201, body
    assert body["status"] == "Pending" and body["email"] == "dana@example.com"
    assert [a["account_id"] for a in body["linked_accounts"]] == ["A-10"]
    assert "verify-email" in world.outbox.last("dana@example.com").link
    assert world.synced == [["A-10"]]
    # And the creation is audited in the same transaction as the user
    [entry] = audit_entries(world)
    assert entry["action"] == "POST /admin/sites/{site}/users" and entry["target"] == {"user_id": body["user_id"]}
    assert entry["after"]["account_ids"] == ["A-10"] and "password_hash" not in entry["after"]


def test_an_account_that_is_not_linkable_is_422_naming_the_rule_and_creates_nothing(world: World) -> None:
    linkable_account(world, "summit", "A-11", "C-11", terminated=True)
    for account, rule in (("A-11", "has_active_contract"), ("NOPE", "account_synced")):
        status, body = admin("POST", USERS, {"email": "x@example.com", "first_name": "X", "last_name": "Y",
                                             "account_ids": [account]})  # fmt: skip
        assert (status, body["error"]["code"]) == (422, "account_not_linkable"), body
        assert body["error"]["fields"][0]["rule"] == rule and rule in body["error"]["message"]
    assert admin("GET", USERS, query={"q": "x@example.com"})[1]["users"] == []
    assert audit_entries(world) == []


def test_a_second_user_with_the_same_email_is_409_and_leaves_no_audit_entry(world: World) -> None:
    create(world, "twin@example.com")
    status, body = admin("POST", USERS, {"email": "TWIN@example.com", "first_name": "T", "last_name": "W"})
    assert status == 409, body
    assert len(audit_entries(world)) == 1


def test_phonetic_search_finds_john_smith_for_jon_smyth_and_ranks_exact_first(world: World) -> None:
    # Given John Smith, Jon Smyth and an unrelated user on summit, and a John Smith on another site
    smith = create(world, "jsmith@example.com", "John", "Smith")
    smyth = create(world, "jon.s@example.com", "Jon", "Smyth")
    create(world, "other@example.com", "Maria", "Garcia")
    admin("POST", "/admin/sites/harvest/users", {"email": "js@example.com", "first_name": "John",
                                                 "last_name": "Smith"})  # fmt: skip
    # When support searches summit for "Jon Smyth"
    status, body = admin("GET", USERS, query={"q": "Jon Smyth"}, claims=SUPPORT)
    # Then both match, the exact one first, and nobody of another site
    assert status == 200, body
    assert [u["user_id"] for u in body["users"]] == [smyth, smith]
    assert body["users"][0]["score"] > body["users"][1]["score"]
    # And a prefix ranks above a phonetic match
    ids = [u["user_id"] for u in admin("GET", USERS, query={"q": "smi"})[1]["users"]]
    assert ids == [smith]
    # And an email searches the email index
    assert [u["user_id"] for u in admin("GET", USERS, query={"q": "jon.s@example.com"})[1]["users"]] == [smyth]


def test_search_filters_by_status_and_pages(world: World) -> None:
    ids = [create(world, f"kim{n}@example.com", "Kim", f"Park{n}") for n in range(5)]
    admin("POST", f"{USERS}/{ids[0]}/deactivate")
    inactive = admin("GET", USERS, query={"q": "kim", "status": "Inactive"})[1]["users"]
    assert [u["user_id"] for u in inactive] == [ids[0]]
    first = admin("GET", USERS, query={"q": "kim", "limit": "3"})[1]
    second = admin("GET", USERS, query={"q": "kim", "limit": "3", "next_token": first["next_token"]})[1]
    assert len(first["users"]) == 3 and len(second["users"]) == 2 and second["next_token"] is None
    assert {u["user_id"] for u in first["users"] + second["users"]} == set(ids)
    # And without q the site's users are listed by email, filtered by status
    listed = admin("GET", USERS, query={"status": "Pending", "limit": "2"})[1]
    assert len(listed["users"]) == 2 and listed["next_token"]
    status, body = admin("GET", USERS, query={"q": "kim", "next_token": listed["next_token"]})
    assert (status, body["error"]["code"]) == (400, "invalid_next_token")


def test_edit_names_and_links_keeps_the_index_current(world: World) -> None:
    linkable_account(world, "summit", "A-20", "C-20")
    user_id = create(world, "edit@example.com", "Robert", "Brown")
    status, body = admin("PATCH", f"{USERS}/{user_id}", {"first_name": "Bob", "account_ids": ["A-20"]})
    assert status == 200, body
    assert body["first_name"] == "Bob" and [a["account_id"] for a in body["linked_accounts"]] == ["A-20"]
    assert [u["user_id"] for u in admin("GET", USERS, query={"q": "bob"})[1]["users"]] == [user_id]
    assert admin("GET", USERS, query={"q": "robert"})[1]["users"] == []
    edit = [e for e in audit_entries(world) if e["action"] == "PATCH /admin/sites/{site}/users/{user_id}"]
    assert edit[0]["before"]["first_name"] == "Robert" and edit[0]["after"]["account_ids"] == ["A-20"]


def test_a_user_who_follows_the_registration_link_is_found_as_active(world: World) -> None:
    # Given a user an admin created (Pending) who follows the registration link and chooses a password
    user_id = create(world, "reg@example.com", "Jon", "Smyth")
    token = world.outbox.last("reg@example.com").token
    verify = api_event("POST", "/sites/summit/enrollment/verify", body={"token": token, "password": PASSWORD})
    assert call("login", verify)[0] == 204
    # When staff search for them / Then the search says Active, and the Pending filter no longer finds them
    found = admin("GET", USERS, query={"q": "John Smith"})[1]["users"]
    assert [(u["user_id"], u["status"]) for u in found] == [(user_id, "Active")]
    assert admin("GET", USERS, query={"q": "smyth", "status": "Pending"})[1]["users"] == []
    assert [u["user_id"] for u in admin("GET", USERS, query={"q": "smyth", "status": "Active"})[1]["users"]] == [
        user_id
    ]


@pytest.mark.parametrize("field", ["email", "site_id"])
def test_email_and_site_cannot_change(world: World, field: str) -> None:
    user_id = create(world, "fixed@example.com")
    status, body = admin("PATCH", f"{USERS}/{user_id}", {field: "other"})
    assert (status, body["error"]["code"]) == (422, "immutable_field")


def test_reset_is_for_active_users_and_resend_for_pending_ones(world: World) -> None:
    pending = create(world, "new@example.com")
    active = world.user("summit", "active@example.com")
    assert admin("POST", f"{USERS}/{pending}/reset-password")[1]["error"]["code"] == "user_not_active"
    assert admin("POST", f"{USERS}/{active}/resend-registration")[1]["error"]["code"] == "user_not_pending"
    assert admin("POST", f"{USERS}/{pending}/reset-password")[0] == 409
    assert admin("POST", f"{USERS}/{active}/reset-password")[0] == 202
    assert "reset-password" in world.outbox.last("active@example.com").link
    assert admin("POST", f"{USERS}/{pending}/resend-registration")[0] == 202
    actions = [
        e["action"].rsplit("/", 1)[1]
        for e in audit_entries(world)
        if e["action"].startswith("POST /admin/sites/{site}/users/")
    ]
    assert sorted(actions) == ["resend-registration", "reset-password"]


def _enduser(token: str, path: str = "/sites/summit/me") -> int:
    event = api_event("GET", path, headers={"Authorization": f"Bearer {token}"})
    from authorizer.app import handler as authorize

    try:
        decision: dict[str, Any] = authorize(authorizer_event(event), LambdaContextStub("authorizer"))
    except Exception as error:  # the authorizer's way of saying 401 to API Gateway
        assert str(error) == "Unauthorized"
        return 401
    event["requestContext"]["authorizer"] = decision["context"]
    return call("login", event)[0]


def test_deactivation_revokes_a_live_token_at_once_and_reactivation_allows_sign_in(world: World) -> None:
    # Given a signed-in user
    user_id = world.user("summit", "live@example.com")
    login = api_event("POST", "/sites/summit/auth/login", body={"email": "live@example.com", "password": PASSWORD})
    token = call("login", login)[1]["access_token"]
    assert _enduser(token) == 200
    # When an admin deactivates them, Then the very next request with that token is refused
    status, body = admin("POST", f"{USERS}/{user_id}/deactivate")
    assert (status, body["status"]) == (200, "Inactive")
    assert _enduser(token) == 401
    # And after reactivation they can sign in again (the old token stays dead)
    assert admin("POST", f"{USERS}/{user_id}/reactivate")[1]["status"] == "Active"
    assert call("login", login)[0] == 200 and _enduser(token) == 401


def test_support_cannot_change_users(world: World) -> None:
    user_id = create(world, "ro@example.com")
    before = len(audit_entries(world))
    for method, path, body in (("POST", USERS, {"email": "a@example.com", "first_name": "A", "last_name": "B"}),
                               ("PATCH", f"{USERS}/{user_id}", {"first_name": "Z"}),
                               ("POST", f"{USERS}/{user_id}/deactivate", None)):  # fmt: skip
        status, answer = admin(method, path, body, claims=SUPPORT)
        assert (status, answer["error"]["code"]) == (403, "read_only")
    assert admin("GET", f"{USERS}/{user_id}", claims=SUPPORT)[1]["first_name"] == "Pat"
    assert len(audit_entries(world)) == before


def test_unknown_users_and_sites_are_404(world: World) -> None:
    assert admin("GET", f"{USERS}/nobody")[0] == 404
    assert admin("GET", "/admin/sites/nosuch/users/nobody")[0] == 404
    assert admin("POST", f"{USERS}/no%23body/deactivate")[0] == 404
    assert admin("POST", f"{USERS}/no%23body/reset-password")[0] == 404
    assert admin("GET", "/admin/sites/NOT%20A%20SITE/users")[0] == 404
    assert admin("GET", "/admin/sites/NOT%20A%20SITE")[0] == 404
