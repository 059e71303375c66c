"""Small, exact ASPIRE databases for tests and benchmarks: the accounts, contracts and lines of credit asked for.

Contract rows come from the demo seed's generator (`contract_rows`), so each contract is as complete as a seeded
one: financials, open and paid invoices, an amortization schedule (none for operating leases) and assets with
serial numbers. Rows go through the ordinary tables, so the rowversion triggers run as ASPIRE's would and the
real sync picks them up.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from local.aspire.seed import ANCHOR_DATE, ASPIRE_VERSION, INSERT_STATEMENTS, ContractPlan, contract_rows
from portal.adapters.aspire.sqlite import SqliteAspireSource

__all__ = ["AspireScenario", "ContractState"]

ContractState = Literal["active", "terminated", "not_booked"]
_CONTRACT_TABLES = ("Contract", "ContractFinancial", "ContractRole", "Invoice", "AmortizationSchedule", "Asset")


class AspireScenario:
    def __init__(self, path: str | Path, *, version: str = ASPIRE_VERSION, anchor: dt.date = ANCHOR_DATE) -> None:
        self.source = SqliteAspireSource(path)
        self.source.create_schema()
        self.anchor = anchor
        self._ids = {"ContractRole": 0, "Invoice": 0, "Asset": 0}
        self._contracts = 0
        self._lines = 0
        self.execute(INSERT_STATEMENTS["AspireVersion"], version)

    @property
    def path(self) -> Path:
        return Path(self.source.path)

    def execute(self, statement: str, *params: Any) -> None:
        with self.source.write_transaction() as tx:
            tx.execute(statement, params)

    def account(self, account_id: str, name: str | None = None, *, postal_code: str = "60601") -> str:
        """An account with a bill-to location (`L-<account_id>`) for its contracts."""
        with self.source.write_transaction() as tx:
            tx.execute(
                INSERT_STATEMENTS["Account"],
                (account_id, name or f"Account {account_id}", "Business", f"{account_id.lower()}@example.com", None),
            )
            tx.execute(
                INSERT_STATEMENTS["Location"],
                (f"L-{account_id}", account_id, "BillTo", "1 Main St", "Chicago", "IL", postal_code, "US", None),
            )
        return account_id

    def contract(
        self,
        customer: str,
        *,
        label: str | None = None,
        state: ContractState = "active",
        contract_type: str = "Loan",
        extra_roles: Iterable[tuple[str, str]] = (),
    ) -> str:
        """A contract with ``customer`` as Customer and ``extra_roles`` as (account, role type) pairs."""
        self._contracts += 1
        contract_id = f"C-{self._contracts:05d}"
        plan = ContractPlan(customer, label, state, contract_type, tuple(extra_roles))
        rows = contract_rows(random.Random(contract_id), plan, contract_id, f"L-{customer}", self._ids, self.anchor)
        with self.source.write_transaction() as tx:
            for table in _CONTRACT_TABLES:
                if rows[table]:
                    tx.executemany(INSERT_STATEMENTS[table], rows[table])
        return contract_id

    def line_of_credit(
        self, account_id: str, credit_limit: str, used: str, *, label: str | None = None, status: str = "Active"
    ) -> str:
        self._lines += 1
        line_id = f"LOC-{self._lines:05d}"
        self.execute(INSERT_STATEMENTS["LineOfCredit"], line_id, account_id, label, credit_limit, used, status)
        return line_id

    def close(self) -> None:
        self.source.close()
