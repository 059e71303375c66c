"""The demo personas are true of the seeded data: what each one claims can be checked in ASPIRE."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.aspire.personas import DEMO_SITES, build_personas, site_for_label, write_personas
from local.aspire.seed import seed
from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.domain.enrollment import email_in, postal_codes_match
from portal.domain.settings import Site
from portal.domain.sites import SiteMap

SITES = {s["site_id"]: s for s in DEMO_SITES}


@pytest.fixture(scope="module")
def seeded_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seed(tmp_path_factory.mktemp("personas") / "aspire.db").path


@pytest.fixture(scope="module")
def personas(seeded_path: str) -> dict[str, Any]:
    source = SqliteAspireSource(seeded_path)
    try:
        return build_personas(source)
    finally:
        source.close()


@pytest.fixture(scope="module")
def db(seeded_path: str) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(seeded_path)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def visible_contracts(db: sqlite3.Connection, account_id: str, site_id: str) -> list[sqlite3.Row]:
    """Booked contracts where the account is Customer/Guarantor and whose label maps to the site (PRODUCT.md §2)."""
    rows = db.execute(
        "SELECT DISTINCT c.* FROM Contract c JOIN ContractRole r ON r.ContractId = c.ContractId"
        " WHERE r.AccountId = ? AND r.RoleType IN ('Customer', 'Guarantor') AND c.IsBooked = 1",
        (account_id,),
    ).fetchall()
    return [r for r in rows if site_for_label(r["PrivateLabel"]) == site_id]


def test_demo_sites_are_valid_portal_sites_with_disjoint_labels() -> None:
    # Given the demo site specs
    sites = [Site.model_validate(spec) for spec in DEMO_SITES]

    # When they are loaded into the portal's site map
    site_map = SiteMap(site.as_config() for site in sites)

    # Then each label maps to its site, no label to the default site, and LEGACY to none
    assert site_map.default_site == "summit"
    for label in (None, "AGRI", "MED", "DENTAL", "LEGACY"):
        assert site_map.site_for_label(label) == site_for_label(label)


def test_every_site_has_ready_users_and_enrollable_customers(personas: dict[str, Any]) -> None:
    by_site = {s["site_id"]: s for s in personas["sites"]}
    assert set(by_site) == set(SITES)
    for site_id, site in by_site.items():
        assert len(site["users"]) >= 2, site_id
        assert len(site["enrollable"]) >= 2, site_id
        emails = [u["email"] for u in site["users"]] + [e["email"] for e in site["enrollable"]]
        assert len(emails) == len(set(emails)), site_id


def test_users_see_what_they_claim(personas: dict[str, Any], db: sqlite3.Connection) -> None:
    for site in personas["sites"]:
        site_id = site["site_id"]
        for user in site["users"]:
            # Each linked account holds a Customer/Guarantor role on a booked contract of the site's labels
            for account_id in user["account_ids"]:
                assert visible_contracts(db, account_id, site_id), (site_id, account_id)
            # MFA follows the site switch; the password is not a trivial one
            assert user["mfa"] == ("email" if SITES[site_id]["mfa_enabled"] else "none")
            assert len(user["password"]) >= 12 and "Demo-2026!" in user["password"]
            # The person is a real contact of the account
            contact = db.execute(
                "SELECT * FROM Contact WHERE AccountId = ? AND FirstName = ? AND LastName = ?",
                (user["account_ids"][0], user["first_name"], user["last_name"]),
            ).fetchone()
            assert contact is not None and email_in(contact["Email"], user["email"])


def test_one_user_per_site_has_open_and_closed_contracts_and_guarantees_one(
    personas: dict[str, Any], db: sqlite3.Connection
) -> None:
    for site in personas["sites"]:
        site_id = site["site_id"]

        def rich(user: dict[str, Any], site_id: str = site_id) -> bool:
            account_id = user["account_ids"][0]
            visible = visible_contracts(db, account_id, site_id)
            guarantor = db.execute(
                "SELECT 1 FROM ContractRole WHERE AccountId = ? AND RoleType = 'Guarantor'", (account_id,)
            ).fetchone()
            return (
                any(not c["IsTerminated"] for c in visible)
                and any(c["IsTerminated"] for c in visible)
                and guarantor is not None
            )

        assert any(rich(u) for u in site["users"]), site_id


def test_enrollable_customers_pass_every_enrollment_check(personas: dict[str, Any], db: sqlite3.Connection) -> None:
    for site in personas["sites"]:
        site_id = site["site_id"]
        user_accounts = {a for u in site["users"] for a in u["account_ids"]}
        user_emails = {u["email"] for u in site["users"]}
        for person in site["enrollable"]:
            contract = db.execute(
                "SELECT c.*, l.PostalCode, l.Email AS BillToEmail, r.AccountId AS Customer FROM Contract c"
                " JOIN Location l ON l.LocationId = c.BillToLocationId"
                " JOIN ContractRole r ON r.ContractId = c.ContractId AND r.RoleType = 'Customer'"
                " WHERE c.ContractId = ?",
                (person["contract_id"],),
            ).fetchone()
            # a booked contract of that customer, on this site
            assert contract is not None and contract["IsBooked"] == 1
            assert contract["Customer"] == person["account_id"]
            assert site_for_label(contract["PrivateLabel"]) == site_id
            # the postal code matches the contract's billing postal code as typed
            assert postal_codes_match(person["postal_code"], contract["PostalCode"])
            # the email is the customer's, one of its contacts', or the bill-to location's
            account = db.execute("SELECT Email FROM Account WHERE AccountId = ?", (person["account_id"],)).fetchone()
            contacts = db.execute("SELECT Email FROM Contact WHERE AccountId = ?", (person["account_id"],)).fetchall()
            sources = [account["Email"], contract["BillToEmail"], *(c["Email"] for c in contacts)]
            assert any(email_in(value, person["email"]) for value in sources), person
            # and nobody has a user for it on this site
            assert person["account_id"] not in user_accounts and person["email"] not in user_emails


def test_enrollables_cover_both_countries_and_both_email_sources(
    personas: dict[str, Any], db: sqlite3.Connection
) -> None:
    everyone = [p for s in personas["sites"] for p in s["enrollable"]]
    assert {p["country"] for p in everyone} == {"US", "CA"}
    assert any(" " in p["postal_code"] for p in everyone)  # Canadian, typed "K1A 0B1"
    for site in personas["sites"]:
        kinds = set()
        for person in site["enrollable"]:
            multi_contact = db.execute(
                "SELECT 1 FROM Contact WHERE AccountId = ? AND (Email LIKE '%,%' OR Email LIKE '%;%')"
                " AND (',' || REPLACE(REPLACE(LOWER(Email), ' ', ''), ';', ',') || ',') LIKE ?",
                (person["account_id"], f"%,{person['email']},%"),
            ).fetchone()
            bill_to = db.execute(
                "SELECT l.Email FROM Contract c JOIN Location l ON l.LocationId = c.BillToLocationId"
                " WHERE c.ContractId = ?",
                (person["contract_id"],),
            ).fetchone()
            if multi_contact:
                kinds.add("contact")
            if bill_to and email_in(bill_to["Email"], person["email"]):
                kinds.add("bill_to")
        assert kinds == {"contact", "bill_to"}, site["site_id"]


def test_personas_are_deterministic(personas: dict[str, Any], seeded_path: str) -> None:
    source = SqliteAspireSource(seeded_path)
    assert build_personas(source) == personas
    source.close()


def test_write_personas_writes_readable_json(personas: dict[str, Any], tmp_path: Path) -> None:
    path = write_personas(personas, tmp_path / "out" / "personas.json")
    assert json.loads(path.read_text(encoding="utf-8")) == personas
