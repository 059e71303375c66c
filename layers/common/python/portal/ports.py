"""Ports: what the services need from the outside world, named for what they do.

Adapters (named for their technology) implement these; services take them as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    # Annotations only: the sign-in function reads sites through `SiteReader` and must not pay at cold start
    # for the contract read models (pydantic classes) that only the contracts function uses.
    from portal.domain.contracts import (
        AmortizationRow,
        Asset,
        ContractRecord,
        Financials,
        Invoice,
        LineOfCredit,
        SyncRun,
    )
    from portal.domain.settings import InstanceSettings, Site
    from portal.domain.visibility import Listing


class SiteReader(Protocol):
    def get_site_and_settings(self, site_id: str) -> tuple[Site | None, InstanceSettings]: ...

    def list_sites(self) -> list[Site]: ...


# --- contracts (PRODUCT.md §2): synced data, read on request paths with GetItem, Query and BatchGetItem only ----
@dataclass(frozen=True)
class ContractBatch:
    """Contracts read in one go, with the last successful sync runs (for `as_of`)."""

    contracts: Mapping[str, ContractRecord]
    financials: Mapping[str, Financials]
    runs: tuple[SyncRun, ...]


@dataclass(frozen=True)
class AccountBatch:
    """Names of the accounts found on a site, with the last successful sync runs (for `as_of`)."""

    names: Mapping[str, str]
    runs: tuple[SyncRun, ...]


class ContractReader(Protocol):
    def linked_contract_ids(
        self, site_id: str, account_ids: Sequence[str], listing: Listing, after: str | None, want: int
    ) -> list[str]:
        """The first ``want`` contract ids after ``after`` (sorted, distinct) linked to any of the accounts and
        listed as ``listing`` on the site. Links are only a candidate list: visibility is decided afterwards."""
        ...

    def read_contracts(self, site_id: str, contract_ids: Sequence[str], *, financials: bool) -> ContractBatch: ...

    def read_accounts(self, site_id: str, account_ids: Sequence[str]) -> AccountBatch: ...

    def assets(self, site_id: str, contract_id: str) -> list[Asset]: ...

    def invoices(self, site_id: str, contract_id: str, *, open_only: bool) -> list[Invoice]: ...

    def amortization(
        self, site_id: str, contract_id: str, after: int, limit: int
    ) -> tuple[list[AmortizationRow], bool]:
        """Rows with payment numbers above ``after``, at most ``limit``, and whether more follow."""
        ...

    def lines_of_credit(self, site_id: str, account_id: str) -> list[LineOfCredit]: ...
