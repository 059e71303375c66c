"""ASPIRE activity on the laptop: what servicing staff and ASPIRE's own jobs would do to the database.

Each function takes the path of the seeded SQLite file, writes through the ordinary tables (so the rowversion
triggers advance RowVer exactly as SQL Server would) and returns a JSON-serialisable dict describing what it
did; the CLI prints that dict as one line. Unknown accounts/contracts and impossible transitions raise
``SimulatorError`` with a sentence saying what is wrong.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path
from typing import Any

from local.aspire.seed import ANCHOR_DATE, INSERT_STATEMENTS, ContractPlan, contract_rows, snapshot_path
from portal.adapters.aspire.sqlite import SqliteAspireSource, to_sqlite_param

__all__ = [
    "SimulatorError",
    "book_contract",
    "eft_run",
    "restore_snapshot",
    "set_label",
    "terminate_contract",
]

_CONTRACT_TYPES = ("OperatingLease", "CapitalLease", "Loan")
_CONTRACT_TABLES = ("Contract", "ContractFinancial", "ContractRole", "Invoice", "AmortizationSchedule", "Asset")


class SimulatorError(Exception):
    """A simulator command cannot be carried out (unknown account/contract, impossible transition, no file)."""


def _source(path: str | Path) -> SqliteAspireSource:
    if not Path(path).exists():
        raise SimulatorError(f"no ASPIRE demo database at {path}; seed it first")
    return SqliteAspireSource(path)


def _label(label: str | None) -> str | None:
    """'' / 'none' (any case) / None clear the label; anything else is kept as typed (stripped)."""
    if label is None or label.strip().casefold() in ("", "none"):
        return None
    return label.strip()


def _contract(conn: sqlite3.Connection, contract_id: str) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT ContractId, PrivateLabel, IsBooked, IsTerminated FROM Contract WHERE ContractId = ?", (contract_id,)
    ).fetchone()
    if row is None:
        raise SimulatorError(f"contract {contract_id} does not exist in ASPIRE")
    return tuple(row)


def book_contract(
    path: str | Path,
    account_id: str,
    label: str | None = None,
    contract_type: str | None = None,
    on: dt.date = ANCHOR_DATE,
) -> dict[str, Any]:
    """Book a new active contract with ``account_id`` as Customer: financials, invoices, an amortization schedule
    (unless it is an operating lease) and an asset, billed to the account's bill-to location."""
    if contract_type is not None and contract_type not in _CONTRACT_TYPES:
        raise SimulatorError(f"contract type must be one of {', '.join(_CONTRACT_TYPES)}, not {contract_type!r}")
    source = _source(path)
    try:
        conn = source.connection()
        if conn.execute("SELECT 1 FROM Account WHERE AccountId = ?", (account_id,)).fetchone() is None:
            raise SimulatorError(f"account {account_id} does not exist in ASPIRE")
        bill_to = conn.execute(
            "SELECT LocationId FROM Location WHERE AccountId = ? AND LocationType = 'BillTo' ORDER BY LocationId",
            (account_id,),
        ).fetchone()
        if bill_to is None:
            raise SimulatorError(f"account {account_id} has no bill-to location to invoice")
        with source.write_transaction() as tx:
            last = tx.execute("SELECT MAX(ContractId) FROM Contract WHERE ContractId LIKE 'CN-%'").fetchone()[0]
            contract_id = f"CN-{(int(last[3:]) if last else 1000) + 1:07d}"
            ids = {
                "ContractRole": tx.execute("SELECT COALESCE(MAX(ContractRoleId), 0) FROM ContractRole").fetchone()[0],
                "Invoice": tx.execute("SELECT COALESCE(MAX(InvoiceId), 0) FROM Invoice").fetchone()[0],
                "Asset": tx.execute("SELECT COALESCE(MAX(AssetId), 0) FROM Asset").fetchone()[0],
            }
            rng = random.Random(contract_id)  # the same booking on the same data gives the same contract
            kind = contract_type or rng.choice(_CONTRACT_TYPES)
            plan = ContractPlan(account_id, _label(label), "active", kind)
            rows = contract_rows(rng, plan, contract_id, bill_to[0], ids, anchor=on)
            for table in _CONTRACT_TABLES:
                if rows[table]:
                    tx.executemany(INSERT_STATEMENTS[table], rows[table])
        return {
            "action": "book_contract",
            "contract_id": contract_id,
            "account_id": account_id,
            "label": plan.label,
            "contract_type": kind,
            "invoices": len(rows["Invoice"]),
            "amortization_rows": len(rows["AmortizationSchedule"]),
            "assets": len(rows["Asset"]),
            "db_rowversion": source.db_rowversion(),
        }
    finally:
        source.close()


def terminate_contract(path: str | Path, contract_id: str, on: dt.date = ANCHOR_DATE) -> dict[str, Any]:
    """Terminate a booked contract (paid off): it moves to the customer's closed contracts."""
    source = _source(path)
    try:
        with source.write_transaction() as tx:
            _, _, booked, terminated = _contract(tx, contract_id)
            if not booked:
                raise SimulatorError(f"contract {contract_id} is not booked; only booked contracts can be terminated")
            if terminated:
                raise SimulatorError(f"contract {contract_id} is already terminated")
            tx.execute(
                "UPDATE Contract SET IsTerminated = 1, TerminationDate = ?, NextDueDate = NULL, NextDueAmount = NULL, "
                "PastDueAmount = '0.00' WHERE ContractId = ?",
                (on.isoformat(), contract_id),
            )
            tx.execute(
                "UPDATE ContractFinancial SET PrincipalBalance = '0.00', PayoffAmount = NULL WHERE ContractId = ?",
                (contract_id,),
            )
            settled = tx.execute(
                "UPDATE Invoice SET Balance = '0.00', Status = 'Paid' WHERE ContractId = ? AND Status = 'Open'",
                (contract_id,),
            ).rowcount
        return {
            "action": "terminate_contract",
            "contract_id": contract_id,
            "termination_date": on.isoformat(),
            "invoices_settled": settled,
            "db_rowversion": source.db_rowversion(),
        }
    finally:
        source.close()


def set_label(path: str | Path, contract_id: str, label: str | None) -> dict[str, Any]:
    """Set (or with '' / 'none', clear) a contract's private label: it moves to another site, or to none."""
    source = _source(path)
    new_label = _label(label)
    try:
        with source.write_transaction() as tx:
            _, old_label, _, _ = _contract(tx, contract_id)
            tx.execute("UPDATE Contract SET PrivateLabel = ? WHERE ContractId = ?", (new_label, contract_id))
        return {
            "action": "set_label",
            "contract_id": contract_id,
            "old_label": old_label,
            "new_label": new_label,
            "db_rowversion": source.db_rowversion(),
        }
    finally:
        source.close()


def eft_run(path: str | Path, now: dt.datetime) -> dict[str, Any]:
    """ASPIRE's EFT generation and posting: every Pending Alternate EFT not yet in a batch joins a new batch,
    becomes Processed, and the batch is posted at ``now`` (naive = UTC). No pending payments, no batch."""
    source = _source(path)
    stamp = to_sqlite_param(now)
    try:
        with source.write_transaction() as tx:
            pending = tx.execute(
                "SELECT COUNT(*) FROM AlternateEft WHERE Status = 'Pending' AND EftBatchId IS NULL"
            ).fetchone()[0]
            batch_id = None
            if pending:
                batch_id = tx.execute(
                    "INSERT INTO EftBatch (GeneratedAt, PostedAt) VALUES (?, ?) RETURNING EftBatchId", (stamp, stamp)
                ).fetchone()[0]
                tx.execute(
                    "UPDATE AlternateEft SET EftBatchId = ?, Status = 'Processed' "
                    "WHERE Status = 'Pending' AND EftBatchId IS NULL",
                    (batch_id,),
                )
            canceled = tx.execute("SELECT COUNT(*) FROM AlternateEft WHERE Status = 'Canceled'").fetchone()[0]
        return {
            "action": "eft_run",
            "eft_batch_id": batch_id,
            "picked_up": pending,
            "canceled_skipped": canceled,
            "posted_at": stamp if batch_id else None,
            "db_rowversion": source.db_rowversion(),
        }
    finally:
        source.close()


def restore_snapshot(path: str | Path, *, mark: bool = True) -> dict[str, Any]:
    """Put the database back to the state right after seeding, the way a DBA restore does: rowversions go back.

    Copies ``<path>.snapshot`` INTO the live file with SQLite's backup API (page by page, under the live file's
    own locking), so processes that have the file open keep working and simply see the restored data. Then,
    like the last step of the DBA's restore runbook, sets ``PortalRestoreMarker`` (``mark=False``: a DBA who
    skipped it; the sync still has the rowversion check).
    """
    snapshot = snapshot_path(path)
    if not snapshot.exists():
        raise SimulatorError(f"no snapshot at {snapshot}; seed the database first")
    source = _source(path)
    try:
        before = source.db_rowversion()
        live = source.connection()
        with sqlite3.connect(f"{snapshot.resolve().as_uri()}?mode=ro", uri=True) as frozen:
            frozen.backup(live)
        frozen.close()
        after = source.db_rowversion()
        marked = dt.datetime.now(dt.UTC).replace(tzinfo=None) if mark else None
        if marked is not None:
            with source.write_transaction() as tx:
                tx.execute(
                    "INSERT OR REPLACE INTO PortalRestoreMarker (MarkerId, LastRestoreAt) VALUES (1, ?)",
                    (to_sqlite_param(marked),),
                )
        return {
            "action": "restore_snapshot",
            "snapshot": str(snapshot),
            "restore_marker": marked.isoformat(sep=" ") if marked else None,
            "db_rowversion_before": before,
            "db_rowversion_after": after,
        }
    finally:
        source.close()
