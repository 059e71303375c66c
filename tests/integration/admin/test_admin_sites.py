"""Sites and settings through the admin function: validation, the label rules as 409s, the audit log."""

from __future__ import annotations

import pytest

from tests.integration.admin.admin_kit import SUPPORT, admin, audit_entries
from tests.integration.identity.kit import World

NEW_SITE = {"site_id": "granite", "display_name": "Granite Leasing", "private_labels": ["GRN"],
            "header_color": "#112233", "banner_url": "https://cdn.example.com/granite.png"}  # fmt: skip


def test_an_admin_creates_a_site_with_a_label_and_is_told_when_it_takes_effect(world: World) -> None:
    # When an admin creates a labelled site
    status, body = admin("POST", "/admin/sites", NEW_SITE)
    # Then it exists, the answer says the label applies at the next sync, and the audit log says who did it
    assert status == 201, body
    assert body["private_labels"] == ["GRN"] and "next sync" in body["message"]
    assert admin("GET", "/admin/sites/granite")[1]["display_name"] == "Granite Leasing"
    [entry] = audit_entries(world)
    assert entry["actor_sub"] == "sub-admin-1" and entry["actor_email"] == "admin@example.com"
    assert entry["action"] == "POST /admin/sites" and entry["target"] == {"site_id": "granite"}
    assert entry.get("before") is None and entry["after"]["private_labels"] == ["GRN"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"header_color": "red"}, "header_color"),
        ({"banner_url": "http://cdn.example.com/x.png"}, "banner_url"),
        ({"banner_url": "javascript:alert(1)"}, "banner_url"),
        ({"site_id": "Not A Site"}, "site_id"),
        ({"private_labels": [""]}, "private_labels"),
    ],
)
def test_invalid_site_fields_are_422_and_change_nothing(world: World, change: dict, field: str) -> None:
    status, body = admin("POST", "/admin/sites", {**NEW_SITE, **change})
    assert status == 422, body
    assert any(f["field"].startswith(field) for f in body["error"]["fields"]), body
    assert admin("GET", "/admin/sites/granite")[0] == 404
    assert audit_entries(world) == []


def test_a_label_of_another_site_is_409_label_taken(world: World) -> None:
    # Given harvest owns AGRI; When another site claims it (created, or edited to)
    status, body = admin("POST", "/admin/sites", {**NEW_SITE, "private_labels": ["agri"]})
    assert (status, body["error"]["code"]) == (409, "label_taken")
    status, body = admin("PATCH", "/admin/sites/careline", {"private_labels": ["MED", "AGRI"]})
    assert (status, body["error"]["code"]) == (409, "label_taken")
    # Then nothing changed and nothing was audited
    assert admin("GET", "/admin/sites/careline")[1]["private_labels"] == ["MED"]
    assert audit_entries(world) == []


def test_exactly_one_default_site(world: World) -> None:
    # Given summit is the default: a second default is 409, and so is un-defaulting the only one
    status, body = admin("POST", "/admin/sites", {**NEW_SITE, "is_default": True})
    assert (status, body["error"]["code"]) == (409, "default_site_conflict")
    status, body = admin("PATCH", "/admin/sites/summit", {"is_default": False})
    assert (status, body["error"]["code"]) == (409, "default_site_required")
    assert admin("GET", "/admin/sites/summit")[1]["is_default"] is True


def test_a_label_move_answers_that_it_takes_effect_at_the_next_sync(world: World) -> None:
    assert admin("PATCH", "/admin/sites/careline", {"private_labels": []})[0] == 200
    status, body = admin("PATCH", "/admin/sites/harvest", {"private_labels": ["AGRI", "MED"]})
    assert status == 200, body
    assert "next sync" in body["message"]
    status, body = admin("PATCH", "/admin/sites/harvest", {"display_name": "Harvest Ag"})
    assert body["message"] is None
    [entry] = [e for e in audit_entries(world) if e["after"]["display_name"] == "Harvest Ag"]
    assert entry["before"]["display_name"] == "Harvest Ag Finance"


def test_site_id_cannot_change(world: World) -> None:
    status, body = admin("PATCH", "/admin/sites/harvest", {"site_id": "other"})
    assert (status, body["error"]["code"]) == (422, "immutable_field")


def test_settings_switch_bank_verification_and_limits(world: World) -> None:
    # When an admin switches to existing_only and lowers the payment limit
    status, body = admin("PUT", "/admin/settings", {"bank_verification_mode": "existing_only",
                                                    "payment_limit": "25000.00"})  # fmt: skip
    # Then the switch time is recorded, the rest kept, and the change audited with before/after
    assert status == 200, body
    assert body["bank_verification_since"] and body["payment_limit"] == "25000.00"
    assert body["login_branding"]["button_color"] == "#123456"
    [entry] = audit_entries(world)
    assert entry["site_id"] == "INSTANCE" and entry["before"]["bank_verification_mode"] == "allow_any"


@pytest.mark.parametrize(
    "change",
    [{"payment_limit": "0"}, {"payment_limit": "1000000.01"}, {"payment_limit": "10.001"},
     {"login_branding": {"button_color": "blue"}}, {"login_branding": {"logo_url": "http://x.test/l.svg"}},
     {"bank_verification_mode": "sometimes"}],
)  # fmt: skip
def test_invalid_settings_are_422(world: World, change: dict) -> None:
    status, body = admin("PUT", "/admin/settings", change)
    assert status == 422, body
    assert audit_entries(world) == []


def test_support_reads_but_every_site_write_is_403_read_only(world: World) -> None:
    assert admin("GET", "/admin/sites", claims=SUPPORT)[0] == 200
    for method, path, body in (("POST", "/admin/sites", NEW_SITE), ("PATCH", "/admin/sites/summit", {}),
                               ("PUT", "/admin/settings", {"mfa_all_sites": True})):  # fmt: skip
        status, answer = admin(method, path, body, claims=SUPPORT)
        assert (status, answer["error"]["code"]) == (403, "read_only")
    assert audit_entries(world) == []
    assert admin("GET", "/admin/settings")[1]["mfa_all_sites"] is False
