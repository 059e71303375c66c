"""The audit log: an entry for every admin write route (driven by ROUTES), none for a refused or failed write,
and the log read newest first by site, `since` and page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from portal.api.routes import ROUTES
from tests.integration.admin.admin_kit import SUPPORT, admin, audit_entries, linkable_account
from tests.integration.identity.kit import World

WRITES = [r for r in ROUTES if r.api == "admin" and r.auth == "admin" and r.method != "GET"]


def _user(world: World, *, active: bool = False) -> str:
    if active:
        return world.user("summit", "active.one@example.com")
    status, body = admin("POST", "/admin/sites/summit/users", {"email": "p@example.com", "first_name": "P",
                                                               "last_name": "Q", "account_ids": ["A-1"]})  # fmt: skip
    assert status == 201, body
    return str(body["user_id"])


# Each write route: a valid request (path, body) given the world, and one the service refuses after validation.
Case = Callable[[World], tuple[str, Any]]
VALID: dict[tuple[str, str], Case] = {
    ("PUT", "/admin/settings"): lambda w: ("/admin/settings", {"mfa_all_sites": True}),
    ("POST", "/admin/sites"): lambda w: ("/admin/sites", {"site_id": "granite", "display_name": "Granite"}),
    ("PATCH", "/admin/sites/{site}"): lambda w: ("/admin/sites/harvest", {"display_name": "Harvest Two"}),
    ("POST", "/admin/sites/{site}/users"): lambda w: (
        "/admin/sites/summit/users", {"email": "n@example.com", "first_name": "N", "last_name": "M"}),
    ("PATCH", "/admin/sites/{site}/users/{user_id}"): lambda w: (
        f"/admin/sites/summit/users/{_user(w)}", {"last_name": "Other"}),
    ("POST", "/admin/sites/{site}/users/{user_id}/reset-password"): lambda w: (
        f"/admin/sites/summit/users/{_user(w, active=True)}/reset-password", None),
    ("POST", "/admin/sites/{site}/users/{user_id}/resend-registration"): lambda w: (
        f"/admin/sites/summit/users/{_user(w)}/resend-registration", None),
    ("POST", "/admin/sites/{site}/users/{user_id}/deactivate"): lambda w: (
        f"/admin/sites/summit/users/{_user(w)}/deactivate", None),
    ("POST", "/admin/sites/{site}/users/{user_id}/reactivate"): lambda w: (
        f"/admin/sites/summit/users/{_user(w)}/reactivate", None),
}  # fmt: skip
REFUSED: dict[tuple[str, str], Case] = {
    ("PUT", "/admin/settings"): lambda w: ("/admin/settings", {"payment_limit": "0.00"}),
    ("POST", "/admin/sites"): lambda w: ("/admin/sites", {"site_id": "granite", "display_name": "G",
                                                          "private_labels": ["MED"]}),
    ("PATCH", "/admin/sites/{site}"): lambda w: ("/admin/sites/summit", {"is_default": False}),
    ("POST", "/admin/sites/{site}/users"): lambda w: (
        "/admin/sites/summit/users", {"email": "n@example.com", "first_name": "N", "last_name": "M",
                                      "account_ids": ["UNSYNCED"]}),
    ("PATCH", "/admin/sites/{site}/users/{user_id}"): lambda w: (
        f"/admin/sites/summit/users/{_user(w)}", {"account_ids": ["A-1", "UNSYNCED"]}),
    ("POST", "/admin/sites/{site}/users/{user_id}/reset-password"): lambda w: (
        f"/admin/sites/summit/users/{_user(w)}/reset-password", None),
    ("POST", "/admin/sites/{site}/users/{user_id}/resend-registration"): lambda w: (
        f"/admin/sites/summit/users/{_user(w, active=True)}/resend-registration", None),
    ("POST", "/admin/sites/{site}/users/{user_id}/deactivate"): lambda w: (
        "/admin/sites/summit/users/nobody/deactivate", None),
    ("POST", "/admin/sites/{site}/users/{user_id}/reactivate"): lambda w: (
        "/admin/sites/summit/users/nobody/reactivate", None),
}  # fmt: skip
# Starting a full sync changes no portal data (the run records itself in SYNCRUN): no audit entry.
NOT_AUDITED = {("POST", "/admin/sync/full")}


@pytest.fixture(autouse=True)
def _linkable(world: World) -> None:
    linkable_account(world, "summit", "A-1", "C-1")


def test_every_admin_write_route_has_a_case() -> None:
    routes = {(r.method, r.path) for r in WRITES} - NOT_AUDITED
    assert routes == VALID.keys() == REFUSED.keys()


@pytest.mark.parametrize("route", [r for r in WRITES if (r.method, r.path) not in NOT_AUDITED],
                         ids=lambda r: f"{r.method} {r.path}")  # fmt: skip
def test_every_write_records_who_what_when_and_before_after(world: World, route: Any) -> None:
    path, body = VALID[(route.method, route.path)](world)
    already = {e["entry_id"] for e in audit_entries(world)}
    # When an admin makes the change
    status, answer = admin(route.method, path, body)
    assert status < 300, answer
    # Then exactly one new entry names the admin, the route, the target and the time
    [entry] = [e for e in audit_entries(world) if e["entry_id"] not in already]
    assert (entry["actor_sub"], entry["actor_email"]) == ("sub-admin-1", "admin@example.com")
    assert entry["action"] == f"{route.method} {route.path}"
    assert entry["target"] and entry["at"].startswith(world.clock().date().isoformat())
    assert entry.get("after") is not None


@pytest.mark.parametrize("route", [r for r in WRITES if (r.method, r.path) not in NOT_AUDITED],
                         ids=lambda r: f"{r.method} {r.path}")  # fmt: skip
def test_a_refused_write_leaves_neither_a_change_nor_an_entry(world: World, route: Any) -> None:
    path, body = REFUSED[(route.method, route.path)](world)
    before_entries = audit_entries(world)
    before_sites, before_settings = admin("GET", "/admin/sites")[1], admin("GET", "/admin/settings")[1]
    status, answer = admin(route.method, path, body)
    assert 400 <= status < 500, answer
    assert audit_entries(world) == before_entries
    assert admin("GET", "/admin/sites")[1] == before_sites and admin("GET", "/admin/settings")[1] == before_settings


@pytest.mark.parametrize("route", WRITES, ids=lambda r: f"{r.method} {r.path}")
def test_support_gets_403_on_every_write_and_nothing_is_recorded(world: World, route: Any) -> None:
    path, body = VALID.get((route.method, route.path), lambda w: ("/admin/sync/full", None))(world)
    before = audit_entries(world)
    status, answer = admin(route.method, path, body, claims=SUPPORT)
    assert (status, answer["error"]["code"]) == (403, "read_only")
    assert audit_entries(world) == before


def test_the_log_reads_newest_first_by_site_since_and_page(world: World) -> None:
    # Given four changes, a minute apart: three on harvest, one instance-wide
    for n in range(3):
        world.clock.advance(minutes=1)
        admin("PATCH", "/admin/sites/harvest", {"display_name": f"Harvest {n}"})
    world.clock.advance(minutes=1)
    admin("PUT", "/admin/settings", {"mfa_all_sites": True})
    # Then the whole log is newest first
    status, body = admin("GET", "/admin/audit", claims=SUPPORT)
    assert status == 200, body
    assert [e["action"] for e in body["entries"]][:2] == ["PUT /admin/settings", "PATCH /admin/sites/{site}"]
    # And by site, paged two at a time, newest first
    first = admin("GET", "/admin/audit", query={"site": "harvest", "limit": "2"})[1]
    second = admin("GET", "/admin/audit", query={"site": "harvest", "limit": "2",
                                                 "next_token": first["next_token"]})[1]  # fmt: skip
    names = [e["after"]["display_name"] for e in first["entries"] + second["entries"]]
    assert names == ["Harvest 2", "Harvest 1", "Harvest 0"] and second["next_token"] is None
    # And `since` leaves out what came before
    since = (world.clock() - timedelta(minutes=1, seconds=30)).isoformat()
    recent = admin("GET", "/admin/audit", query={"site": "harvest", "since": since})[1]["entries"]
    assert [e["after"]["display_name"] for e in recent] == ["Harvest 2"]
    # And a token of another filter is refused
    status, body = admin("GET", "/admin/audit", query={"next_token": first["next_token"]})
    assert (status, body["error"]["code"]) == (400, "invalid_next_token")
