"""Can an account be linked to a user of a site? (PRODUCT.md section 2, diagnostics question 2.)

An account can be linked on site S only when it has been synced and holds the Customer or Guarantor role on at
least one active (booked, not terminated) contract whose private label maps to S.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.domain.checks import Check, Verdict, format_ids
from portal.domain.facts import ContractFacts
from portal.domain.sites import SiteMap, describe_label

__all__ = ["VERDICT_LINKABLE", "VERDICT_NOT_LINKABLE", "account_linkable_on", "is_linkable"]

VERDICT_LINKABLE = "linkable"
VERDICT_NOT_LINKABLE = "not_linkable"


def _ids(contracts: Iterable[ContractFacts]) -> str:
    return format_ids(contract.contract_id for contract in contracts)


def _count(n: int, noun: str = "contract") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def account_linkable_on(
    account_id: str, contracts: Iterable[ContractFacts], site_id: str, site_map: SiteMap, synced: bool
) -> Verdict:
    """The linkability checklist of ``account_id`` on ``site_id``, given the contracts it has roles on.

    Checks, in order: account_synced, holds_customer_or_guarantor_role, has_active_contract,
    active_contract_label_maps_to_site. Details list the deciding contract ids (at most 5, then "and N more").
    """
    all_contracts = tuple(contracts)
    granting = tuple(contract for contract in all_contracts if contract.grants_access_to(account_id))
    active = tuple(contract for contract in granting if contract.active)
    on_site = tuple(contract for contract in active if site_map.maps_to(contract.private_label, site_id))

    synced_check = Check(
        "account_synced",
        synced,
        f"account {account_id} has been synced to the portal"
        if synced
        else f"account {account_id} has not been synced to the portal yet",
    )

    if granting:
        role_check = Check(
            "holds_customer_or_guarantor_role",
            True,
            f"account {account_id} holds the Customer or Guarantor role on {_count(len(granting))}: {_ids(granting)}",
        )
    else:
        others = tuple(contract for contract in all_contracts if contract.roles_of(account_id))
        detail = f"account {account_id} holds the Customer or Guarantor role on no contract"
        if others:
            detail += f" (it holds other roles on {_count(len(others))}: {_ids(others)})"
        role_check = Check("holds_customer_or_guarantor_role", False, detail)

    if active:
        active_check = Check(
            "has_active_contract",
            True,
            f"account {account_id} is Customer or Guarantor on {_count(len(active), 'active contract')} "
            f"(booked, not terminated): {_ids(active)}",
        )
    elif not granting:
        active_check = Check(
            "has_active_contract",
            False,
            f"cannot be met: account {account_id} holds the Customer or Guarantor role on no contract",
        )
    else:
        not_booked = tuple(contract for contract in granting if not contract.booked)
        terminated = tuple(contract for contract in granting if contract.booked and contract.terminated)
        reasons = []
        if not_booked:
            reasons.append(f"not booked: {_ids(not_booked)}")
        if terminated:
            reasons.append(f"terminated: {_ids(terminated)}")
        which = "the only contract" if len(granting) == 1 else f"none of the {_count(len(granting))}"
        verb = "is not active" if len(granting) == 1 else "is active"
        active_check = Check(
            "has_active_contract",
            False,
            f"{which} where account {account_id} is Customer or Guarantor {verb} ({'; '.join(reasons)})",
        )

    if on_site:
        site_check = Check(
            "active_contract_label_maps_to_site",
            True,
            f"{_count(len(on_site), 'active contract')} of account {account_id} with a private label mapped to "
            f"site {site_id}: {_ids(on_site)}",
        )
    elif not active:
        site_check = Check(
            "active_contract_label_maps_to_site",
            False,
            f"cannot be met: account {account_id} has no active contract as Customer or Guarantor",
        )
    else:
        elsewhere = []
        for contract in active:
            target = site_map.site_for_label(contract.private_label)
            where = f"site {target}" if target is not None else "no site"
            elsewhere.append(f"{contract.contract_id} ({describe_label(contract.private_label)} -> {where})")
        site_check = Check(
            "active_contract_label_maps_to_site",
            False,
            f"none of the {_count(len(active), 'active contract')} of account {account_id} maps to site {site_id}: "
            f"{format_ids(elsewhere)}",
        )

    return Verdict((synced_check, role_check, active_check, site_check))


def is_linkable(
    account_id: str, contracts: Iterable[ContractFacts], site_id: str, site_map: SiteMap, synced: bool
) -> bool:
    """True when ``account_id`` can be linked to a user of ``site_id``."""
    return account_linkable_on(account_id, contracts, site_id, site_map, synced).ok
