"""Every statement the portal runs against ASPIRE, as T-SQL text, by name.

Callers pass a NAME to an ``AspireSource``; no caller builds SQL. The text is what SQL Server runs verbatim
(pymssql, ``%(name)s`` parameters); the SQLite stand-in runs the same text through ``transpile.to_sqlite``.

Watermark conventions (docs/aspire-integration.md explains why):

* ``changes_<entity>`` return every row with ``since < RowVer < upto`` ordered by RowVer, where ``upto`` is
  ``MIN_ACTIVE_ROWVERSION()`` read just before. Rows of transactions still open carry a rowversion >= ``upto``
  and are picked up by a later run instead of being skipped for good.
* The predicate compares the rowversion column with ``CAST(CAST(%(since)s AS BIGINT) AS BINARY(8))``: the
  column stays bare, so SQL Server can seek on the IX_<table>_RowVer index. RowVer leaves as
  ``CAST(... AS BIGINT)`` so it crosses the port as a Python int.
* ``keys_<entity>`` return primary keys only, for the daily reconciliation of hard deletes.
* Money columns are never compared or added in SQL (they are TEXT in the SQLite stand-in); the portal computes
  e.g. the available amount of a line of credit (CreditLimit - UsedAmount) in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Literal

from portal.adapters.aspire.recompute_queries import RECOMPUTE_QUERIES

__all__ = ["ENTITIES", "QUERIES", "SQL_SERVER_ONLY", "Entity", "SyncCadence", "ddl_text", "query_text"]

SyncCadence = Literal["incremental", "daily"]


@dataclass(frozen=True)
class Entity:
    """One synced ASPIRE table: its query names, its key, and which sync reads it (PRODUCT.md section 3)."""

    name: str
    table: str
    key_columns: tuple[str, ...]
    cadence: SyncCadence

    @property
    def changes_query(self) -> str:
        return f"changes_{self.name}"

    @property
    def keys_query(self) -> str:
        return f"keys_{self.name}"


ENTITIES: tuple[Entity, ...] = (
    Entity("account", "Account", ("AccountId",), "incremental"),
    Entity("contact", "Contact", ("ContactId",), "incremental"),
    Entity("location", "Location", ("LocationId",), "incremental"),
    Entity("contract", "Contract", ("ContractId",), "incremental"),
    Entity("contract_role", "ContractRole", ("ContractRoleId",), "incremental"),
    Entity("invoice", "Invoice", ("InvoiceId",), "incremental"),
    Entity("bank_account", "BankAccount", ("BankAccountId",), "incremental"),
    Entity("alternate_eft", "AlternateEft", ("AlternateEftId",), "incremental"),
    Entity("eft_batch", "EftBatch", ("EftBatchId",), "incremental"),
    Entity("contract_financial", "ContractFinancial", ("ContractId",), "daily"),
    Entity("amortization", "AmortizationSchedule", ("ContractId", "PaymentNumber"), "daily"),
    Entity("line_of_credit", "LineOfCredit", ("LineOfCreditId",), "daily"),
    Entity("asset", "Asset", ("AssetId",), "daily"),
)

_WINDOW = """{alias}.RowVer > CAST(CAST(%(since)s AS BIGINT) AS BINARY(8))
  AND {alias}.RowVer < CAST(CAST(%(upto)s AS BIGINT) AS BINARY(8))"""


def _window(alias: str) -> str:
    return _WINDOW.format(alias=alias)


_QUERIES: dict[str, str] = {
    # --- the source itself ---------------------------------------------------------------------------------
    "aspire_version": """
SELECT TOP 1 v.VersionNumber
FROM dbo.AspireVersion AS v
ORDER BY v.VersionNumber DESC""",
    "db_rowversion": """
SELECT CAST(@@DBTS AS BIGINT) AS DbRowVersion""",
    "min_active_rowversion": """
SELECT CAST(MIN_ACTIVE_ROWVERSION() AS BIGINT) AS MinActiveRowVersion""",
    # Both bounds in one round trip, read at the same instant.
    "rowversion_bounds": """
SELECT CAST(@@DBTS AS BIGINT) AS DbRowVersion, CAST(MIN_ACTIVE_ROWVERSION() AS BIGINT) AS MinActiveRowVersion""",
    # --- restore detection (docs/aspire-integration.md) -------------------------------------------------------
    # SQL Server's own record of restores (msdb; readable only when the DBA grants SELECT on it), in the
    # server's local time: compared only with the value read at an earlier run, never with a portal clock.
    "restore_history": """
SELECT TOP 1 rh.restore_date AS LastRestoreAt
FROM msdb.dbo.restorehistory AS rh
WHERE rh.destination_database_name = DB_NAME()
ORDER BY rh.restore_date DESC""",
    # The marker the DBA's restore runbook sets (ddl.sql), when msdb is not readable.
    "restore_marker": """
SELECT TOP 1 m.LastRestoreAt
FROM dbo.PortalRestoreMarker AS m
ORDER BY m.LastRestoreAt DESC""",
    # --- incremental (every 15 minutes) ---------------------------------------------------------------------
    "changes_account": f"""
SELECT a.AccountId, a.Name, a.AccountType, a.Email, a.Phone, CAST(a.RowVer AS BIGINT) AS RowVer
FROM dbo.Account AS a
WHERE {_window("a")}
ORDER BY a.RowVer""",
    "changes_contact": f"""
SELECT c.ContactId, c.AccountId, c.FirstName, c.LastName, c.Email, c.Phone, CAST(c.RowVer AS BIGINT) AS RowVer
FROM dbo.Contact AS c
WHERE {_window("c")}
ORDER BY c.RowVer""",
    "changes_location": f"""
SELECT l.LocationId, l.AccountId, l.LocationType, l.Address1, l.City, l.StateProvince, l.PostalCode, l.Country,
       l.Email, CAST(l.RowVer AS BIGINT) AS RowVer
FROM dbo.Location AS l
WHERE {_window("l")}
ORDER BY l.RowVer""",
    "changes_contract": f"""
SELECT c.ContractId, c.PrivateLabel, c.IsBooked, c.IsTerminated, c.TerminationDate, c.CommencementDate,
       c.MaturityDate, c.TermMonths, c.PaymentAmount, c.PaymentFrequency, c.NextDueDate, c.NextDueAmount,
       c.PastDueAmount, c.BillToLocationId, CAST(c.RowVer AS BIGINT) AS RowVer
FROM dbo.Contract AS c
WHERE {_window("c")}
ORDER BY c.RowVer""",
    "changes_contract_role": f"""
SELECT r.ContractRoleId, r.ContractId, r.AccountId, r.RoleType, CAST(r.RowVer AS BIGINT) AS RowVer
FROM dbo.ContractRole AS r
WHERE {_window("r")}
ORDER BY r.RowVer""",
    "changes_invoice": f"""
SELECT i.InvoiceId, i.ContractId, i.InvoiceNumber, i.InvoiceDate, i.DueDate, i.Amount, i.Balance, i.Status,
       CAST(i.RowVer AS BIGINT) AS RowVer
FROM dbo.Invoice AS i
WHERE {_window("i")}
ORDER BY i.RowVer""",
    # AccountNumber is needed for "allow only existing accounts" verification; never log these rows.
    "changes_bank_account": f"""
SELECT b.BankAccountId, b.AccountId, b.HolderName, b.RoutingNumber, b.AccountNumber, b.AccountType, b.OwnerType,
       CAST(b.RowVer AS BIGINT) AS RowVer
FROM dbo.BankAccount AS b
WHERE {_window("b")}
ORDER BY b.RowVer""",
    # Payment status: Status/EftBatchId change when an EFT run picks the row up; the batch's PostedAt says Paid.
    # Bank numbers are not read back: the portal already holds them.
    "changes_alternate_eft": f"""
SELECT e.AlternateEftId, e.ContractId, e.AccountId, e.PaymentDate, e.Amount, e.AccountType, e.SecCode,
       e.PortalPaymentId, e.Status, e.EftBatchId, e.CreatedAt, b.GeneratedAt AS EftGeneratedAt,
       b.PostedAt AS EftPostedAt, CAST(e.RowVer AS BIGINT) AS RowVer
FROM dbo.AlternateEft AS e
LEFT JOIN dbo.EftBatch AS b ON b.EftBatchId = e.EftBatchId
WHERE {_window("e")}
ORDER BY e.RowVer""",
    # A batch posted after its payments were picked up changes only the batch row.
    "changes_eft_batch": f"""
SELECT b.EftBatchId, b.GeneratedAt, b.PostedAt, CAST(b.RowVer AS BIGINT) AS RowVer
FROM dbo.EftBatch AS b
WHERE {_window("b")}
ORDER BY b.RowVer""",
    # --- daily (04:00 America/Chicago) ----------------------------------------------------------------------
    "changes_contract_financial": f"""
SELECT f.ContractId, f.ContractType, f.OriginalCost, f.FinancedAmount, f.PrincipalBalance, f.InterestRate,
       f.PrincipalPaidToDate, f.InterestPaidToDate, f.PayoffAmount, CAST(f.RowVer AS BIGINT) AS RowVer
FROM dbo.ContractFinancial AS f
WHERE {_window("f")}
ORDER BY f.RowVer""",
    "changes_amortization": f"""
SELECT s.ContractId, s.PaymentNumber, s.DueDate, s.PaymentAmount, s.Principal, s.Interest, s.EndingBalance,
       CAST(s.RowVer AS BIGINT) AS RowVer
FROM dbo.AmortizationSchedule AS s
WHERE {_window("s")}
ORDER BY s.RowVer""",
    "changes_line_of_credit": f"""
SELECT l.LineOfCreditId, l.AccountId, l.PrivateLabel, l.CreditLimit, l.UsedAmount, l.Status,
       CAST(l.RowVer AS BIGINT) AS RowVer
FROM dbo.LineOfCredit AS l
WHERE {_window("l")}
ORDER BY l.RowVer""",
    "changes_asset": f"""
SELECT a.AssetId, a.ContractId, a.Description, a.Manufacturer, a.Model, a.ModelYear, a.SerialNumber,
       CAST(a.RowVer AS BIGINT) AS RowVer
FROM dbo.Asset AS a
WHERE {_window("a")}
ORDER BY a.RowVer""",
    # --- key sets for the daily deletion reconciliation ------------------------------------------------------
    "keys_account": "SELECT a.AccountId FROM dbo.Account AS a ORDER BY a.AccountId",
    "keys_contact": "SELECT c.ContactId FROM dbo.Contact AS c ORDER BY c.ContactId",
    "keys_location": "SELECT l.LocationId FROM dbo.Location AS l ORDER BY l.LocationId",
    "keys_contract": "SELECT c.ContractId FROM dbo.Contract AS c ORDER BY c.ContractId",
    "keys_contract_role": "SELECT r.ContractRoleId FROM dbo.ContractRole AS r ORDER BY r.ContractRoleId",
    "keys_invoice": "SELECT i.InvoiceId FROM dbo.Invoice AS i ORDER BY i.InvoiceId",
    "keys_bank_account": "SELECT b.BankAccountId FROM dbo.BankAccount AS b ORDER BY b.BankAccountId",
    "keys_alternate_eft": "SELECT e.AlternateEftId FROM dbo.AlternateEft AS e ORDER BY e.AlternateEftId",
    "keys_eft_batch": "SELECT b.EftBatchId FROM dbo.EftBatch AS b ORDER BY b.EftBatchId",
    "keys_contract_financial": "SELECT f.ContractId FROM dbo.ContractFinancial AS f ORDER BY f.ContractId",
    "keys_amortization": """
SELECT s.ContractId, s.PaymentNumber
FROM dbo.AmortizationSchedule AS s
ORDER BY s.ContractId, s.PaymentNumber""",
    "keys_line_of_credit": "SELECT l.LineOfCreditId FROM dbo.LineOfCredit AS l ORDER BY l.LineOfCreditId",
    "keys_asset": "SELECT a.AssetId FROM dbo.Asset AS a ORDER BY a.AssetId",
    # --- written by payments -----------------------------------------------------------------------------------
    # Idempotent: a second call with the same portal payment id inserts nothing and outputs nothing (the caller
    # then reads the existing row with get_alternate_eft_by_portal_id; see port.create_alternate_eft). UPDLOCK +
    # HOLDLOCK make two concurrent calls serialise on the key range instead of racing into the UNIQUE
    # constraint, which stays the last line of defence.
    "insert_alternate_eft": """
INSERT INTO dbo.AlternateEft
    (ContractId, AccountId, PaymentDate, Amount, RoutingNumber, AccountNumber, AccountType, SecCode,
     PortalPaymentId, Status, CreatedAt)
OUTPUT INSERTED.AlternateEftId
SELECT %(contract_id)s, %(account_id)s, %(payment_date)s, %(amount)s, %(routing_number)s, %(account_number)s,
       %(account_type)s, %(sec_code)s, %(portal_payment_id)s, 'Pending', %(created_at)s
WHERE NOT EXISTS (
    SELECT 1 FROM dbo.AlternateEft AS x WITH (UPDLOCK, HOLDLOCK)
    WHERE x.PortalPaymentId = %(portal_payment_id)s
)""",
    "get_alternate_eft_by_portal_id": """
SELECT e.AlternateEftId, e.ContractId, e.AccountId, e.PaymentDate, e.Amount, e.AccountType, e.SecCode,
       e.PortalPaymentId, e.Status, e.EftBatchId, e.CreatedAt, b.GeneratedAt AS EftGeneratedAt,
       b.PostedAt AS EftPostedAt, CAST(e.RowVer AS BIGINT) AS RowVer
FROM dbo.AlternateEft AS e
LEFT JOIN dbo.EftBatch AS b ON b.EftBatchId = e.EftBatchId
WHERE e.PortalPaymentId = %(portal_payment_id)s""",
    # Cancels only while no EFT run has picked the payment up; outputs nothing otherwise (-> 409 upstream).
    "cancel_alternate_eft": """
UPDATE dbo.AlternateEft
SET Status = 'Canceled'
OUTPUT INSERTED.AlternateEftId, INSERTED.Status
WHERE PortalPaymentId = %(portal_payment_id)s
  AND Status = 'Pending'
  AND EftBatchId IS NULL""",
}

# The sync's rebuild queries live beside it (recompute_queries.py) but are looked up by name like all others.
_QUERIES.update(RECOMPUTE_QUERIES)

QUERIES = MappingProxyType({name: text.strip() for name, text in _QUERIES.items()})

# Queries of SQL Server's system databases (msdb). The SQLite stand-in has none, so there they fail the way they
# do for a login without the permission, and the caller falls back (portal.services.restore_detection).
SQL_SERVER_ONLY = frozenset({"restore_history"})


def query_text(name: str) -> str:
    """The T-SQL of a named query; a clear KeyError for names that do not exist."""
    try:
        return QUERIES[name]
    except KeyError:
        raise KeyError(f"no ASPIRE query named {name!r}; known: {', '.join(sorted(QUERIES))}") from None


def ddl_text() -> str:
    """The T-SQL DDL of the integration surface (ddl.sql, shipped with the layer)."""
    return resources.files("portal.adapters.aspire").joinpath("ddl.sql").read_text(encoding="utf-8")
