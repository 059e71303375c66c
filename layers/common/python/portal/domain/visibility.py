"""Does a user see a contract on a site? (PRODUCT.md section 2, diagnostics question 1.)

A user sees a contract on site S only when all hold: the contract is booked; one of the user's linked accounts
holds the Customer or Guarantor role on it; its private label maps to S (no label -> default site). Booked
contracts that are terminated are still visible, listed separately as closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from portal.domain.checks import Check, Verdict, format_ids
from portal.domain.facts import ContractFacts
from portal.domain.sites import SiteMap

__all__ = [
    "VERDICT_NOT_VISIBLE",
    "VERDICT_VISIBLE",
    "Listing",
    "contract_listing",
    "contract_visible_to",
    "is_visible",
]

VERDICT_VISIBLE = "visible"
VERDICT_NOT_VISIBLE = "not_visible"

Listing = Literal["open", "closed"]


def contract_listing(contract: ContractFacts) -> Listing:
    """Where a visible contract is listed: terminated contracts are "closed", the others "open"."""
    return "closed" if contract.terminated else "open"


def _check_booked(contract: ContractFacts) -> Check:
    state = "is booked" if contract.booked else "is not booked"
    return Check("contract_booked", contract.booked, f"contract {contract.contract_id} {state}")


def _check_linked_role(contract: ContractFacts, linked: tuple[str, ...]) -> Check:
    rule = "linked_account_holds_customer_or_guarantor_role"
    if not linked:
        return Check(rule, False, "the user has no linked accounts")
    holders = [
        f"{account_id} ({', '.join(sorted(contract.granting_roles_of(account_id)))})"
        for account_id in linked
        if contract.grants_access_to(account_id)
    ]
    if holders:
        detail = f"linked accounts holding Customer or Guarantor on contract {contract.contract_id}: "
        return Check(rule, True, detail + format_ids(holders))
    other = [
        f"{account_id} ({', '.join(sorted(contract.roles_of(account_id)))})"
        for account_id in linked
        if contract.roles_of(account_id)
    ]
    detail = (
        f"none of the user's linked accounts ({format_ids(linked)}) holds the Customer or Guarantor role "
        f"on contract {contract.contract_id}"
    )
    if other:
        detail += f"; other roles held: {format_ids(other)}"
    return Check(rule, False, detail)


def _check_listed_as(contract: ContractFacts, visible: bool) -> Check:
    where = (
        "listed under closed contracts (terminated)"
        if contract_listing(contract) == "closed"
        else "listed under open contracts"
    )
    return Check("listed_as", True, where if visible else f"would be {where} if visible")


def contract_visible_to(
    contract: ContractFacts, linked_account_ids: Iterable[str], site_id: str, site_map: SiteMap
) -> Verdict:
    """The visibility checklist of ``contract`` for a user with ``linked_account_ids`` on ``site_id``.

    Checks, in order: contract_booked, linked_account_holds_customer_or_guarantor_role,
    private_label_maps_to_site, and the informational listed_as (always passed; termination is not a failure).
    """
    linked = tuple(dict.fromkeys(linked_account_ids))
    checks = [
        _check_booked(contract),
        _check_linked_role(contract, linked),
        site_map.check_label_maps_to_site(contract.private_label, site_id),
    ]
    visible = all(check.passed for check in checks)
    checks.append(_check_listed_as(contract, visible))
    return Verdict(tuple(checks))


def is_visible(contract: ContractFacts, linked_account_ids: Iterable[str], site_id: str, site_map: SiteMap) -> bool:
    """True when the user with ``linked_account_ids`` sees ``contract`` on ``site_id``."""
    return contract_visible_to(contract, linked_account_ids, site_id, site_map).ok
