"""ASPIRE rows -> the portal's site-keyed DynamoDB items (shapes in docs/data-model.md).

Pure functions: given the current ASPIRE state of one contract or one account and the site map, they return
every item that should exist for it, each tagged with the sync cadence that owns it ("incremental" fields
every 15 minutes, "daily" fields at 04:00 Central, PRODUCT.md §3).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from portal.adapters.dynamodb import keys
from portal.domain.enrollment import split_emails
from portal.domain.facts import GRANTING_ROLES, ContractFacts, is_granting_role
from portal.domain.payments import bank_fingerprint
from portal.domain.sites import SiteMap
from portal.domain.visibility import contract_listing
from portal.services.search_terms import SEARCH_BUCKET, number_key, phonetic, search_tokens

Cadence = Literal["incremental", "daily"]
Row = Mapping[str, Any]


@dataclass(frozen=True)
class DesiredItem:
    pk: str
    sk: str
    cadence: Cadence
    attributes: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.pk}|{self.sk}"

    def content_hash(self) -> str:
        canonical = json.dumps(self.attributes, sort_keys=True, default=_canonical)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]

    def item(self) -> dict[str, Any]:
        return {"pk": self.pk, "sk": self.sk, **self.attributes}


def _canonical(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return json.dumps(sorted(value))
    return str(value)


def _d(value: Any) -> str | None:
    """Dates as YYYY-MM-DD strings (API.md)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def contract_facts(contract: Row, roles: Iterable[Row]) -> ContractFacts:
    by_account: dict[str, set[str]] = defaultdict(set)
    for role in roles:
        by_account[str(role["AccountId"])].add(str(role["RoleType"]))
    return ContractFacts(
        contract_id=str(contract["ContractId"]),
        booked=bool(contract["IsBooked"]),
        terminated=bool(contract["IsTerminated"]),
        private_label=contract.get("PrivateLabel"),
        roles={a: frozenset(r) for a, r in by_account.items()},
    )


@dataclass
class ContractState:
    """Everything ASPIRE holds about one contract (the lists are empty when not read in this pass)."""

    contract: Row | None
    roles: Sequence[Row]
    financial: Row | None = None
    invoices: tuple[Row, ...] = ()
    amortization: tuple[Row, ...] = ()
    assets: tuple[Row, ...] = ()
    efts: tuple[Row, ...] = ()


def contract_site(state: ContractState, site_map: SiteMap) -> str | None:
    if state.contract is None:
        return None
    return site_map.site_for_label(state.contract.get("PrivateLabel"))


def contract_items(site: str, state: ContractState, cadences: set[Cadence]) -> list[DesiredItem]:
    assert state.contract is not None
    c = state.contract
    cid = str(c["ContractId"])
    pk = keys.contract_pk(site, cid)
    facts = contract_facts(c, state.roles)
    roles = {account: sorted(r) for account, r in facts.roles.items()}
    items: list[DesiredItem] = []
    if "incremental" in cadences:
        items.append(
            DesiredItem(
                pk,
                keys.CONTRACT_SK,
                "incremental",
                {
                    "type": "contract",
                    "contract_id": cid,
                    "private_label": c.get("PrivateLabel"),
                    "booked": facts.booked,
                    "terminated": facts.terminated,
                    "termination_date": _d(c.get("TerminationDate")),
                    "commencement_date": _d(c.get("CommencementDate")),
                    "maturity_date": _d(c.get("MaturityDate")),
                    "term_months": c.get("TermMonths"),
                    "payment_amount": _money(c.get("PaymentAmount")),
                    "payment_frequency": c.get("PaymentFrequency"),
                    "next_due_date": _d(c.get("NextDueDate")),
                    "next_due_amount": _money(c.get("NextDueAmount")),
                    "past_due_amount": _money(c.get("PastDueAmount")),
                    "roles": roles,
                    "customer_account_ids": sorted(a for a, r in facts.roles.items() if "Customer" in r),
                    "bill_to_postal_code": c.get("BillToPostalCode"),
                    "bill_to_country": c.get("BillToCountry"),
                    "bill_to_emails": split_emails(c.get("BillToEmail")),
                },
            )
        )
        # Links from each account holding a granting role to this contract: one Query per linked account
        # lists a user's contracts. Only booked contracts are ever listed, so only they get links.
        if facts.booked:
            for account, account_roles in facts.roles.items():
                granting = sorted(r for r in account_roles if is_granting_role(r))
                if granting:
                    items.append(
                        DesiredItem(
                            keys.account_pk(site, account),
                            keys.account_contract_sk(cid),
                            "incremental",
                            {
                                "type": "account_contract",
                                "contract_id": cid,
                                "account_id": account,
                                "roles": granting,
                                "listing": contract_listing(facts),
                            },
                        )
                    )
        for inv in state.invoices:
            items.append(
                DesiredItem(
                    pk,
                    keys.invoice_sk(str(inv["InvoiceId"])),
                    "incremental",
                    {
                        "type": "invoice",
                        "invoice_id": str(inv["InvoiceId"]),
                        "invoice_number": inv["InvoiceNumber"],
                        "invoice_date": _d(inv["InvoiceDate"]),
                        "due_date": _d(inv["DueDate"]),
                        "amount": _money(inv["Amount"]),
                        "balance": _money(inv["Balance"]),
                        "status": inv["Status"],
                    },
                )
            )
        for eft in state.efts:
            items.append(
                DesiredItem(
                    pk,
                    f"EFT#{eft['PortalPaymentId']}",
                    "incremental",
                    {
                        "type": "alternate_eft",
                        "alternate_eft_id": int(eft["AlternateEftId"]),
                        "portal_payment_id": eft["PortalPaymentId"],
                        "status": eft["Status"],
                        "eft_batch_id": eft.get("EftBatchId"),
                        "payment_date": _d(eft["PaymentDate"]),
                        "amount": _money(eft["Amount"]),
                        "eft_generated_at": _d(eft.get("EftGeneratedAt")),
                        "eft_posted_at": _d(eft.get("EftPostedAt")),
                    },
                )
            )
    if "daily" in cadences:
        f = state.financial
        if f is not None:
            items.append(
                DesiredItem(
                    pk,
                    "FINANCIAL",
                    "daily",
                    {
                        "type": "financial",
                        "contract_type": f["ContractType"],
                        "original_cost": _money(f["OriginalCost"]),
                        "financed_amount": _money(f["FinancedAmount"]),
                        "principal_balance": _money(f["PrincipalBalance"]),
                        "interest_rate": _money(f["InterestRate"]),
                        "principal_paid_to_date": _money(f["PrincipalPaidToDate"]),
                        "interest_paid_to_date": _money(f["InterestPaidToDate"]),
                        "payoff_amount": _money(f.get("PayoffAmount")),
                    },
                )
            )
        if state.amortization:
            rows = [
                {
                    "payment_number": int(row["PaymentNumber"]),
                    "due_date": _d(row["DueDate"]),
                    "payment_amount": _money(row["PaymentAmount"]),
                    "principal": _money(row["Principal"]),
                    "interest": _money(row["Interest"]),
                    "ending_balance": _money(row["EndingBalance"]),
                }
                for row in sorted(state.amortization, key=lambda r: int(r["PaymentNumber"]))
            ]
            # Rows as one JSON string: always read whole, and far cheaper to store and parse than nested maps.
            schedule = {"type": "amortization_schedule", "payments": len(rows),
                        "rows_json": json.dumps(rows, default=_canonical, separators=(",", ":"))}  # fmt: skip
            items.append(DesiredItem(pk, keys.AMORTIZATION_SK, "daily", schedule))
        for asset in state.assets:
            items.append(
                DesiredItem(
                    pk,
                    keys.asset_sk(str(asset["AssetId"])),
                    "daily",
                    {
                        "type": "asset",
                        "asset_id": str(asset["AssetId"]),
                        "description": asset["Description"],
                        "manufacturer": asset["Manufacturer"],
                        "model": asset["Model"],
                        "model_year": asset.get("ModelYear"),
                        "serial_number": asset.get("SerialNumber"),
                    },
                )
            )
    return items


@dataclass
class AccountState:
    account: Row | None
    roles: Sequence[Row]  # AccountId, ContractId, RoleType, PrivateLabel, IsBooked, IsTerminated
    contacts: tuple[Row, ...] = ()
    bank_accounts: tuple[Row, ...] = ()
    lines_of_credit: tuple[Row, ...] = ()


def account_sites(state: AccountState, site_map: SiteMap) -> dict[str, list[Row]]:
    """Sites the account appears on (a Customer/Guarantor role on a booked contract mapped there)."""
    sites: dict[str, list[Row]] = defaultdict(list)
    if state.account is None:
        return {}
    for role in state.roles:
        if role["RoleType"] in GRANTING_ROLES and bool(role["IsBooked"]):
            site = site_map.site_for_label(role.get("PrivateLabel"))
            if site is not None:
                sites[site].append(role)
    return dict(sites)


def account_items(
    site: str,
    roles_on_site: list[Row],
    state: AccountState,
    cadences: set[Cadence],
    *,
    fingerprint_key: bytes | None = None,
) -> list[DesiredItem]:
    """The account's items. With `fingerprint_key` (the payments' HMAC key), each bank account on file carries
    the same keyed fingerprint the payments API computes, so `existing_only` can match it (PRODUCT.md §5)."""
    assert state.account is not None
    a = state.account
    aid = str(a["AccountId"])
    pk = keys.account_pk(site, aid)
    items: list[DesiredItem] = []
    if "incremental" in cadences:
        active = sorted({str(r["ContractId"]) for r in roles_on_site if not bool(r["IsTerminated"])})
        name = str(a["Name"])
        attributes: dict[str, Any] = {
            "type": "account",
            "account_id": aid,
            "name": name,
            "account_type": a.get("AccountType"),
            "emails": split_emails(a.get("Email")),
            "contact_emails": sorted({e for c in state.contacts for e in split_emails(c.get("Email"))}),
            "linkable": bool(active),
            "active_contract_ids": active[:50],
            "active_contract_count": len(active),
            "contract_ids": sorted({str(r["ContractId"]) for r in roles_on_site})[:200],
        }
        if active:
            # Sparse index of linkable accounts, searched by name prefix (admin account search).
            attributes["gsi1pk"] = keys.linkable_index_pk(site)
            attributes["gsi1sk"] = f"{name.casefold()}#{aid}"
        items.append(DesiredItem(pk, keys.ACCOUNT_SK, "incremental", attributes))
        for contact in state.contacts:
            items.append(
                DesiredItem(
                    pk,
                    keys.contact_sk(str(contact["ContactId"])),
                    "incremental",
                    {
                        "type": "contact",
                        "contact_id": str(contact["ContactId"]),
                        "first_name": contact["FirstName"],
                        "last_name": contact["LastName"],
                        "emails": split_emails(contact.get("Email")),
                        "phone": contact.get("Phone"),
                    },
                )
            )
        for bank in state.bank_accounts:
            number = str(bank["AccountNumber"])
            # The full account number never leaves ASPIRE's rows: the portal keeps the last 4 digits and the
            # keyed fingerprint of routing + account number, which cannot be turned back into the number.
            on_file: dict[str, Any] = {}
            if fingerprint_key is not None:
                on_file["fingerprint"] = bank_fingerprint(fingerprint_key, str(bank["RoutingNumber"]), number)
            items.append(
                DesiredItem(
                    pk,
                    keys.bank_on_file_sk(str(bank["BankAccountId"])),
                    "incremental",
                    {
                        "type": "bank_on_file",
                        "bank_account_id": str(bank["BankAccountId"]),
                        "holder_name": bank["HolderName"],
                        "routing_number": bank["RoutingNumber"],
                        "last4": number[-4:],
                        "account_type": bank["AccountType"],
                        "owner_type": bank["OwnerType"],
                        **on_file,
                    },
                )
            )
    return items


def line_of_credit_items(state: AccountState, site_map: SiteMap, sites: set[str]) -> list[DesiredItem]:
    assert state.account is not None
    aid = str(state.account["AccountId"])
    items = []
    for loc in state.lines_of_credit:
        site = site_map.site_for_label(loc.get("PrivateLabel"))
        if site is None or site not in sites:
            continue
        limit, used = _money(loc["CreditLimit"]), _money(loc["UsedAmount"])
        assert limit is not None and used is not None
        items.append(
            DesiredItem(
                keys.account_pk(site, aid),
                keys.line_of_credit_sk(str(loc["LineOfCreditId"])),
                "daily",
                {
                    "type": "line_of_credit",
                    "line_of_credit_id": str(loc["LineOfCreditId"]),
                    "account_id": aid,
                    "credit_limit": limit,
                    "used_amount": used,
                    "available_amount": max(limit - used, Decimal("0")),
                    "status": loc["Status"],
                },
            )
        )
    return items


# --- site-independent account index: admin account search and linkability facts -----------------------------
FACTS_MAX_CONTRACTS = 200  # keeps the facts item far below DynamoDB's 400 KB; the detail says when it is cut


def account_index_items(state: AccountState) -> list[DesiredItem]:
    """The account's site-independent index: its facts item and its search terms (name prefix, phonetic code,
    number prefix). Written and removed through the account's manifest, so a deleted or renamed account
    leaves no stale term behind."""
    assert state.account is not None
    a = state.account
    aid = str(a["AccountId"])
    name = str(a["Name"])
    by_contract: dict[str, dict[str, Any]] = {}
    for role in sorted(state.roles, key=lambda r: str(r["ContractId"])):
        cid = str(role["ContractId"])
        entry = by_contract.setdefault(cid, {"contract_id": cid, "booked": bool(role["IsBooked"]),
                                             "terminated": bool(role["IsTerminated"]),
                                             "private_label": role.get("PrivateLabel"), "roles": set()})  # fmt: skip
        entry["roles"].add(str(role["RoleType"]))
    contracts = [{**c, "roles": sorted(c["roles"])} for c in by_contract.values()]
    # Contracts that grant access first, so a cut list keeps the ones linkability decides on.
    contracts.sort(key=lambda c: (not any(is_granting_role(r) for r in c["roles"]), not (c["booked"] and
                                  not c["terminated"]), c["contract_id"]))  # fmt: skip
    facts = {
        "type": "account_facts",
        "account_id": aid,
        "name": name,
        "contracts_json": json.dumps(contracts[:FACTS_MAX_CONTRACTS], separators=(",", ":")),
        "contract_count": len(contracts),
    }
    items = [DesiredItem(keys.account_facts_pk(aid), keys.ACCOUNT_FACTS_SK, "incremental", facts)]
    term = {"type": "account_search", "account_id": aid, "name": name}
    terms: dict[tuple[str, str], DesiredItem] = {}
    for token in search_tokens(name):
        pk = keys.account_search_pk("N", token[:SEARCH_BUCKET])
        terms[(pk, f"{token}#{aid}")] = DesiredItem(pk, f"{token}#{aid}", "incremental", term)
        if code := phonetic(token):
            pk = keys.account_search_pk("P", code)
            terms[(pk, aid)] = DesiredItem(pk, aid, "incremental", term)
    number = number_key(aid)
    pk = keys.account_search_pk("I", number[:SEARCH_BUCKET])
    terms[(pk, f"{number}#{aid}")] = DesiredItem(pk, f"{number}#{aid}", "incremental", term)
    return items + list(terms.values())
