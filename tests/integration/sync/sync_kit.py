"""A tiny, hand-built ASPIRE (SQLite from the real DDL) and what the sync wrote: helpers of the sync tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.domain.settings import Site


@dataclass
class Aspire:
    """Writes ASPIRE rows the way ASPIRE would (the rowversion triggers advance RowVer)."""

    source: SqliteAspireSource
    _ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls, path: Path) -> Aspire:
        """A new database at `path` from the real DDL, with its version row and nothing else."""
        source = SqliteAspireSource(path)
        source.create_schema()
        with source.write_transaction() as tx:
            tx.execute("INSERT INTO AspireVersion (VersionNumber) VALUES ('5.21.3')")
        return cls(source)

    def _next(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def sql(self, statement: str, *params: Any) -> None:
        with self.source.write_transaction() as tx:
            tx.execute(statement, params)

    def account(self, account_id: str, name: str, email: str = "") -> str:
        self.sql("INSERT INTO Account (AccountId, Name, AccountType, Email) VALUES (?, ?, 'Business', ?)",
                 account_id, name, email)  # fmt: skip
        return account_id

    def location(self, account_id: str, postal: str = "60601", country: str = "US", email: str = "") -> str:
        location_id = f"L-{self._next('loc')}"
        self.sql(
            "INSERT INTO Location (LocationId, AccountId, LocationType, Address1, City, StateProvince, PostalCode,"
            " Country, Email) VALUES (?, ?, 'BillTo', '1 Main St', 'Chicago', 'IL', ?, ?, ?)",
            location_id, account_id, postal, country, email,
        )  # fmt: skip
        return location_id

    def contract(
        self, contract_id: str, customer: str, *, label: str | None = None, booked: bool = True,
        terminated: bool = False, contract_type: str = "Loan", guarantor: str | None = None, amortization: int = 3,
    ) -> str:  # fmt: skip
        bill_to = self.location(customer)
        self.sql(
            "INSERT INTO Contract (ContractId, PrivateLabel, IsBooked, IsTerminated, CommencementDate, MaturityDate,"
            " TermMonths, PaymentAmount, PaymentFrequency, NextDueDate, NextDueAmount, PastDueAmount, BillToLocationId)"
            " VALUES (?, ?, ?, ?, '2025-01-01', '2029-01-01', 48, '1000.00', 'Monthly', '2026-12-01', '1000.00',"
            " '0.00', ?)",
            contract_id, label, int(booked), int(terminated), bill_to,
        )  # fmt: skip
        self.sql(
            "INSERT INTO ContractFinancial (ContractId, ContractType, OriginalCost, FinancedAmount, PrincipalBalance,"
            " InterestRate, PrincipalPaidToDate, InterestPaidToDate) VALUES (?, ?, '50000.00', '48000.00',"
            " '30000.00', '0.065000', '18000.00', '4000.00')",
            contract_id, contract_type,
        )  # fmt: skip
        self.role(contract_id, customer, "Customer")
        if guarantor:
            self.role(contract_id, guarantor, "Guarantor")
        self.sql(
            "INSERT INTO Invoice (InvoiceId, ContractId, InvoiceNumber, InvoiceDate, DueDate, Amount, Balance, Status)"
            " VALUES (?, ?, ?, '2026-11-01', '2026-12-01', '1000.00', '1000.00', 'Open')",
            self._next("inv"), contract_id, f"INV-{contract_id}",
        )  # fmt: skip
        if contract_type != "OperatingLease":
            for n in range(1, amortization + 1):
                self.sql(
                    "INSERT INTO AmortizationSchedule (ContractId, PaymentNumber, DueDate, PaymentAmount, Principal,"
                    " Interest, EndingBalance) VALUES (?, ?, '2026-12-01', '1000.00', '800.00', '200.00', '29000.00')",
                    contract_id, n,
                )  # fmt: skip
        self.sql(
            "INSERT INTO Asset (AssetId, ContractId, Description, Manufacturer, Model, ModelYear, SerialNumber)"
            " VALUES (?, ?, 'Excavator', 'Deere', '350G', 2024, ?)",
            self._next("asset"), contract_id, f"SN-{contract_id}",
        )  # fmt: skip
        return contract_id

    def role(self, contract_id: str, account_id: str, role_type: str) -> int:
        role_id = self._next("role")
        self.sql("INSERT INTO ContractRole (ContractRoleId, ContractId, AccountId, RoleType) VALUES (?, ?, ?, ?)",
                 role_id, contract_id, account_id, role_type)  # fmt: skip
        return role_id


SITES = (
    Site(site_id="summit", display_name="Summit", is_default=True),
    Site(site_id="harvest", display_name="Harvest", private_labels=("AGRI",)),
    Site(site_id="careline", display_name="CareLine", private_labels=("MED", "DENTAL")),
)


def portal_items(prefix: str = "S#") -> dict[tuple[str, str], dict[str, Any]]:
    """Every data-table item (a test may Scan; request paths may not)."""
    from portal.adapters.dynamodb.codec import from_item
    from portal.config import TableSettings

    client = boto3.client("dynamodb")
    table = TableSettings.load().table_data
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for raw in page["Items"]:
            item = from_item(raw)
            if item["pk"].startswith(prefix):
                items[(item["pk"], item["sk"])] = item
    return items


def keys_of(items: dict[tuple[str, str], Any], site: str) -> set[tuple[str, str]]:
    return {k for k in items if k[0].startswith(f"S#{site}#")}


__all__ = ["SITES", "Aspire", "Decimal", "date", "keys_of", "portal_items"]
