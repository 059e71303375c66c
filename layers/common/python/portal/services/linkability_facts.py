"""Is an account linkable on a site, from what the sync stored (PRODUCT.md §2, diagnostics question 2).

The decision is `portal.domain.linkability.account_linkable_on`, the one implementation; this module only
gathers its inputs. The sync keeps one site-independent `ACCT#<account>` / `FACTS` item per ASPIRE account (its
name and, per contract it holds any role on, booked / terminated / private label / its roles), so an account
whose active contract maps to harvest can be explained on summit with one keyed read, no Scan. Labels are
mapped with the current site map, so a label just moved between sites is judged as the next sync will store it.

`linkability` is pure over a small reader port (`AccountFactsReader`); the admin user edit calls it with the
wiring's reader, the account search calls `linkability_many` for a page of candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from portal.domain.checks import Verdict
from portal.domain.facts import ContractFacts
from portal.domain.linkability import account_linkable_on
from portal.domain.sites import SiteMap

__all__ = ["AccountFacts", "AccountFactsReader", "Linkability", "linkability", "linkability_many", "verdict_of"]


@dataclass(frozen=True)
class AccountFacts:
    """One account as the sync last stored it: name, and the facts of the contracts it holds roles on."""

    account_id: str
    name: str
    contracts: tuple[ContractFacts, ...]
    contract_count: int = 0  # all of them; `contracts` may be cut (see sync_items.FACTS_MAX_CONTRACTS)


class AccountFactsReader(Protocol):
    def account_facts(self, account_ids: Sequence[str]) -> Mapping[str, AccountFacts]:
        """The stored facts of the accounts that were synced (absent: never synced, or gone from ASPIRE)."""
        ...


def verdict_of(account_id: str, facts: AccountFacts | None, site_id: str, site_map: SiteMap) -> Verdict:
    """The linkability checklist from stored facts; no facts means the account has not been synced."""
    contracts: Iterable[ContractFacts] = facts.contracts if facts is not None else ()
    return account_linkable_on(account_id, contracts, site_id, site_map, synced=facts is not None)


def linkability(site_id: str, account_id: str, *, reader: AccountFactsReader, site_map: SiteMap) -> Verdict:
    """Can ``account_id`` be linked to a user of ``site_id``? (one BatchGetItem)."""
    return verdict_of(account_id, reader.account_facts([account_id]).get(account_id), site_id, site_map)


def linkability_many(
    site_id: str, account_ids: Sequence[str], *, reader: AccountFactsReader, site_map: SiteMap
) -> dict[str, tuple[AccountFacts | None, Verdict]]:
    """The facts and verdict of each account (one BatchGetItem per 100 accounts)."""
    found = reader.account_facts(list(dict.fromkeys(account_ids)))
    return {aid: (found.get(aid), verdict_of(aid, found.get(aid), site_id, site_map)) for aid in account_ids}


class Linkability:
    """`linkability(site_id, account_id)` bound to the stored facts and the current site map: what the admin
    user routes call when staff link accounts (the same rule the search and the diagnostics use)."""

    def __init__(self, reader: AccountFactsReader, site_map: Callable[[], SiteMap]) -> None:
        self._reader = reader
        self._site_map = site_map

    def linkability(self, site_id: str, account_id: str) -> Verdict:
        return linkability(site_id, account_id, reader=self._reader, site_map=self._site_map())
