"""The demo sites and the demo people, picked from the seeded ASPIRE data so that what they claim is true.

Site configuration lives in the portal, not in ASPIRE: ``DEMO_SITES`` is what the local bootstrap writes.
``build_personas(source)`` reads the seeded data through the ordinary ``AspireSource`` port (the same
``changes_*`` queries the sync runs) and picks, deterministically, per site:

* ready users (created in the portal by other code): one whose account has open AND closed contracts on the
  site and holds a Guarantor role somewhere, one more with an open contract on the site;
* enrollable customers with no user: one whose email is one of several addresses in a contact's Email field,
  one whose email is the bill-to location's; between them a US and a Canadian postal code, typed the way a
  customer types it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.aspire.seed import typed_postal_code
from portal.adapters.aspire.port import AspireSource

__all__ = ["DEMO_SITES", "LABEL_TO_SITE", "build_personas", "site_for_label", "write_personas"]

DEMO_SITES: list[dict[str, Any]] = [
    {
        "site_id": "summit",
        "display_name": "Summit Equipment Finance",
        "private_labels": [],
        "is_default": True,
        "banner_url": "https://assets.example.com/portal/summit/banner.png",
        "header_color": "#1F4E79",
        "mfa_enabled": True,
        "payments_enabled": True,
    },
    {
        "site_id": "harvest",
        "display_name": "Harvest Ag Finance",
        "private_labels": ["AGRI"],
        "is_default": False,
        "banner_url": "https://assets.example.com/portal/harvest/banner.png",
        "header_color": "#2E7D32",
        "mfa_enabled": False,
        "payments_enabled": True,
    },
    {
        "site_id": "careline",
        "display_name": "CareLine Medical Leasing",
        "private_labels": ["MED", "DENTAL"],
        "is_default": False,
        "banner_url": "https://assets.example.com/portal/careline/banner.png",
        "header_color": "#00838F",
        "mfa_enabled": True,
        "payments_enabled": True,
    },
]

# Labels compare after strip + casefold (as the portal's SiteMap does). 'LEGACY' deliberately maps to no site.
LABEL_TO_SITE: dict[str, str] = {
    label.strip().casefold(): site["site_id"] for site in DEMO_SITES for label in site["private_labels"]
}
_DEFAULT_SITE = next(site["site_id"] for site in DEMO_SITES if site["is_default"])
_PASSWORDS = {"summit": "Summit-Demo-2026!", "harvest": "Harvest-Demo-2026!", "careline": "CareLine-Demo-2026!"}
_GRANTING = frozenset({"customer", "guarantor"})
_EVERYTHING = {"since": 0, "upto": 2**62}


def site_for_label(label: str | None) -> str | None:
    """The demo site a private label belongs to: the default site for no label, None for unmapped labels."""
    key = (label or "").strip().casefold()
    return _DEFAULT_SITE if not key else LABEL_TO_SITE.get(key)


def _split_emails(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


def _rows(source: AspireSource, entity: str) -> Iterable[dict[str, Any]]:
    params = {**_EVERYTHING, "upto": source.min_active_rowversion()}
    for page in source.stream(f"changes_{entity}", params):
        yield from page


@dataclass
class _Data:
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # account -> roles

    @classmethod
    def load(cls, source: AspireSource) -> _Data:
        data = cls()
        for row in _rows(source, "account"):
            data.accounts[row["AccountId"]] = row
        for row in _rows(source, "contact"):
            data.contacts[row["AccountId"]].append(row)
        for row in _rows(source, "location"):
            data.locations[row["LocationId"]] = row
        for row in _rows(source, "contract"):
            data.contracts[row["ContractId"]] = row
        for row in _rows(source, "contract_role"):
            data.roles[row["AccountId"]].append((row["ContractId"], row["RoleType"]))
        for contacts in data.contacts.values():
            contacts.sort(key=lambda c: c["ContactId"])
        return data

    def visible(self, account_id: str, site_id: str) -> list[dict[str, Any]]:
        """Booked contracts on ``site_id`` where the account holds a Customer or Guarantor role."""
        found = {
            contract_id
            for contract_id, role in self.roles.get(account_id, [])
            if role.casefold() in _GRANTING
            and self.contracts[contract_id]["IsBooked"]
            and site_for_label(self.contracts[contract_id]["PrivateLabel"]) == site_id
        }
        return [self.contracts[c] for c in sorted(found)]

    def customer_contracts(self, account_id: str, site_id: str) -> list[dict[str, Any]]:
        """Booked, active contracts on ``site_id`` where the account is the Customer."""
        return [
            self.contracts[contract_id]
            for contract_id, role in sorted(self.roles.get(account_id, []))
            if role == "Customer"
            and self.contracts[contract_id]["IsBooked"]
            and not self.contracts[contract_id]["IsTerminated"]
            and site_for_label(self.contracts[contract_id]["PrivateLabel"]) == site_id
        ]

    def is_guarantor(self, account_id: str) -> bool:
        return any(role == "Guarantor" for _, role in self.roles.get(account_id, []))

    def person(self, account_id: str) -> tuple[str, str, str] | None:
        """(first, last, email) of the account's first contact, using its first email address."""
        for contact in self.contacts.get(account_id, []):
            addresses = _split_emails(contact["Email"])
            if addresses:
                return contact["FirstName"], contact["LastName"], addresses[0].lower()
        return None


def _user(site: Mapping[str, Any], data: _Data, account_id: str) -> dict[str, Any] | None:
    person = data.person(account_id)
    if person is None:
        return None
    first, last, email = person
    return {
        "email": email,
        "password": _PASSWORDS.get(site["site_id"], f"{site['site_id'].title()}-Demo-2026!"),
        "mfa": "email" if site["mfa_enabled"] else "none",
        "account_ids": [account_id],
        "first_name": first,
        "last_name": last,
    }


def _pick_users(site: Mapping[str, Any], data: _Data) -> list[dict[str, Any]]:
    site_id = site["site_id"]
    rich = simple = None
    for account_id in sorted(data.accounts):
        visible = data.visible(account_id, site_id)
        has_open = any(not c["IsTerminated"] for c in visible)
        has_closed = any(c["IsTerminated"] for c in visible)
        if rich is None and has_open and has_closed and data.is_guarantor(account_id):
            rich = account_id
        elif simple is None and has_open and data.customer_contracts(account_id, site_id):
            simple = account_id
        if rich and simple:
            break
    users = [u for u in (_user(site, data, a) for a in (rich, simple) if a) if u is not None]
    if len(users) < 2:
        raise LookupError(f"the seeded data has no two ready-user accounts for site {site_id}")
    return users


def _enrollable(site_id: str, data: _Data, taken_accounts: set[str], taken_emails: set[str]) -> list[dict[str, Any]]:
    """One enrollable from a multi-address contact field, one from a bill-to location email (the other country
    when there is one)."""
    picks: list[dict[str, Any]] = []
    for source_kind in ("contact", "bill_to"):
        countries_so_far = {p["_country"] for p in picks}
        candidates: list[dict[str, Any]] = []
        for account_id in sorted(data.accounts):
            if account_id in taken_accounts:
                continue
            for contract in data.customer_contracts(account_id, site_id):
                bill_to = data.locations.get(contract["BillToLocationId"] or "")
                if bill_to is None:
                    continue
                candidate = _enrollable_from(source_kind, data, account_id, contract, bill_to)
                if candidate is not None and candidate["email"] not in taken_emails:
                    candidates.append(candidate)
                    break
        if not candidates:
            raise LookupError(f"the seeded data has no enrollable customer ({source_kind} email) for site {site_id}")
        fresh = [c for c in candidates if c["_country"] not in countries_so_far]
        chosen = (fresh or candidates)[0]
        picks.append(chosen)
        taken_accounts.add(chosen["account_id"])
        taken_emails.add(chosen["email"])
    return picks


def _enrollable_from(
    kind: str, data: _Data, account_id: str, contract: Mapping[str, Any], bill_to: Mapping[str, Any]
) -> dict[str, Any] | None:
    contacts = data.contacts.get(account_id, [])
    if not contacts:
        return None
    first, last = contacts[0]["FirstName"], contacts[0]["LastName"]
    if kind == "contact":
        multi = [c for c in contacts if len(_split_emails(c["Email"])) > 1]
        if not multi:
            return None
        first, last = multi[0]["FirstName"], multi[0]["LastName"]
        email = _split_emails(multi[0]["Email"])[-1]
    else:
        addresses = _split_emails(bill_to["Email"])
        if not addresses:
            return None
        email = addresses[0]
    return {
        "first_name": first,
        "last_name": last,
        "email": email.lower(),
        "contract_id": contract["ContractId"],
        "postal_code": typed_postal_code(bill_to["PostalCode"]),
        "account_id": account_id,
        "email_source": "contact (one of several addresses)" if kind == "contact" else "bill-to location",
        "_country": bill_to["Country"],
    }


def build_personas(source: AspireSource) -> dict[str, Any]:
    """The demo users and enrollable customers per site, read from the seeded data (deterministic)."""
    data = _Data.load(source)
    sites = []
    for site in DEMO_SITES:
        users = _pick_users(site, data)
        taken_accounts = {a for user in users for a in user["account_ids"]}
        taken_emails = {user["email"] for user in users}
        enrollable = _enrollable(site["site_id"], data, taken_accounts, taken_emails)
        for person in enrollable:
            person["country"] = person.pop("_country")
        sites.append({"site_id": site["site_id"], "users": users, "enrollable": enrollable})
    return {"sites": sites}


def write_personas(personas: Mapping[str, Any], path: str | Path) -> Path:
    """Write the personas as pretty JSON (the local runtime prints the file on `make run`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(personas, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target
