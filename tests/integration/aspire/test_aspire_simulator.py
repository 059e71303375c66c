"""ASPIRE activity simulator over a seeded file: each command changes ASPIRE the way ASPIRE would."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from local.aspire import simulator
from local.aspire.seed import seed
from portal.adapters.aspire.port import create_alternate_eft
from portal.adapters.aspire.sqlite import SqliteAspireSource

EVERYTHING = {"since": 0, "upto": 2**62}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(seed(tmp_path_factory.mktemp("template") / "aspire.db").path)


@pytest.fixture
def db_path(template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded database and its snapshot (the seed leaves no WAL behind)."""
    target = tmp_path / "aspire.db"
    shutil.copyfile(template, target)
    shutil.copyfile(f"{template}.snapshot", f"{target}.snapshot")
    return target


def one(path: Path, query: str, *params: Any) -> Any:
    with sqlite3.connect(path) as conn:
        row = conn.execute(query, params).fetchone()
    conn.close()
    return row


def changes_since(path: Path, entity: str, since: int) -> list[dict[str, Any]]:
    source = SqliteAspireSource(path)
    try:
        upto = source.min_active_rowversion()
        return [r for page in source.stream(f"changes_{entity}", {"since": since, "upto": upto}) for r in page]
    finally:
        source.close()


def dbts(path: Path) -> int:
    source = SqliteAspireSource(path)
    try:
        return source.db_rowversion()
    finally:
        source.close()


def eft(portal_payment_id: str, contract_id: str, account_id: str) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "account_id": account_id,
        "payment_date": dt.date(2026, 11, 5),
        "amount": Decimal("250.00"),
        "routing_number": "021000021",
        "account_number": "000123456789",
        "account_type": "Checking",
        "sec_code": "WEB",
        "portal_payment_id": portal_payment_id,
        "created_at": dt.datetime(2026, 11, 2, 9, 0),
    }


# ---- book ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("contract_type", "schedule"), [("Loan", True), ("OperatingLease", False)])
def test_book_contract_adds_an_active_contract_the_sync_will_see(
    db_path: Path, contract_type: str, schedule: bool
) -> None:
    # Given the seeded database and its current @@DBTS
    before = dbts(db_path)

    # When a contract is booked for an account under the AGRI label
    result = simulator.book_contract(db_path, "A-000030", label="AGRI", contract_type=contract_type)

    # Then it is booked, active, labelled, with the account as Customer, financials, invoices, an asset, and an
    # amortization schedule unless it is an operating lease -- all above the old watermark
    contract_id = result["contract_id"]
    json.dumps(result)
    assert result["action"] == "book_contract" and result["label"] == "AGRI"
    contracts = changes_since(db_path, "contract", before)
    assert [(c["ContractId"], c["IsBooked"], c["IsTerminated"], c["PrivateLabel"]) for c in contracts] == [
        (contract_id, True, False, "AGRI")
    ]
    roles = [(r["AccountId"], r["RoleType"]) for r in changes_since(db_path, "contract_role", before)]
    assert roles == [("A-000030", "Customer")]
    financial = changes_since(db_path, "contract_financial", before)
    assert [f["ContractType"] for f in financial] == [contract_type]
    assert changes_since(db_path, "invoice", before) and changes_since(db_path, "asset", before)
    assert bool(changes_since(db_path, "amortization", before)) is schedule
    assert result["db_rowversion"] == dbts(db_path) > before


def test_booked_contract_numbers_follow_the_last_one(db_path: Path) -> None:
    first = simulator.book_contract(db_path, "A-000030")["contract_id"]
    second = simulator.book_contract(db_path, "A-000031", label="none")["contract_id"]
    assert int(second[3:]) == int(first[3:]) + 1
    assert one(db_path, "SELECT PrivateLabel FROM Contract WHERE ContractId = ?", second) == (None,)


def test_book_contract_for_an_unknown_account_fails_clearly(db_path: Path) -> None:
    with pytest.raises(simulator.SimulatorError, match="account A-999999 does not exist"):
        simulator.book_contract(db_path, "A-999999")


def test_commands_need_a_database(tmp_path: Path) -> None:
    with pytest.raises(simulator.SimulatorError, match="seed it first"):
        simulator.set_label(tmp_path / "missing.db", "CN-0001001", "AGRI")


# ---- terminate -----------------------------------------------------------------------------------------------------


def test_terminate_contract_closes_it(db_path: Path) -> None:
    # Given an active contract
    contract_id = one(db_path, "SELECT MIN(ContractId) FROM Contract WHERE IsBooked = 1 AND IsTerminated = 0")[0]
    before = dbts(db_path)

    # When it is terminated
    result = simulator.terminate_contract(db_path, contract_id, on=dt.date(2026, 11, 20))

    # Then it is terminated (closed) as of that date, with nothing left to pay, and the change is synced
    changed = changes_since(db_path, "contract", before)
    assert [(c["ContractId"], c["IsTerminated"], c["TerminationDate"], c["NextDueDate"]) for c in changed] == [
        (contract_id, True, dt.date(2026, 11, 20), None)
    ]
    assert one(db_path, "SELECT COUNT(*) FROM Invoice WHERE ContractId = ? AND Status = 'Open'", contract_id) == (0,)
    assert result["action"] == "terminate_contract" and result["contract_id"] == contract_id


def test_terminate_refuses_unknown_unbooked_and_terminated_contracts(db_path: Path) -> None:
    not_booked = one(db_path, "SELECT MIN(ContractId) FROM Contract WHERE IsBooked = 0")[0]
    terminated = one(db_path, "SELECT MIN(ContractId) FROM Contract WHERE IsTerminated = 1")[0]
    with pytest.raises(simulator.SimulatorError, match="CN-9999999 does not exist"):
        simulator.terminate_contract(db_path, "CN-9999999")
    with pytest.raises(simulator.SimulatorError, match="not booked"):
        simulator.terminate_contract(db_path, not_booked)
    with pytest.raises(simulator.SimulatorError, match="already terminated"):
        simulator.terminate_contract(db_path, terminated)


# ---- labels --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "stored"), [("MED", "MED"), ("LEGACY", "LEGACY"), ("", None), ("none", None)])
def test_set_label_moves_a_contract_between_sites(db_path: Path, label: str, stored: str | None) -> None:
    # Given an AGRI contract
    contract_id = one(db_path, "SELECT MIN(ContractId) FROM Contract WHERE PrivateLabel = 'AGRI'")[0]
    before = dbts(db_path)

    # When its label is set
    result = simulator.set_label(db_path, contract_id, label)

    # Then the new label is stored and the contract changed above the watermark
    assert result == {
        "action": "set_label",
        "contract_id": contract_id,
        "old_label": "AGRI",
        "new_label": stored,
        "db_rowversion": before + 1,
    }
    assert [c["PrivateLabel"] for c in changes_since(db_path, "contract", before)] == [stored]


def test_set_label_on_an_unknown_contract_fails(db_path: Path) -> None:
    with pytest.raises(simulator.SimulatorError, match="does not exist"):
        simulator.set_label(db_path, "CN-0000000", "AGRI")


# ---- EFT run ---------------------------------------------------------------------------------------------------


def test_eft_run_picks_up_pending_payments_and_posts_the_batch(db_path: Path) -> None:
    # Given three portal payments, one of them canceled
    contract_id, account_id = one(
        db_path, "SELECT ContractId, AccountId FROM ContractRole WHERE RoleType = 'Customer' ORDER BY ContractId"
    )
    source = SqliteAspireSource(db_path)
    for payment in ("pay-1", "pay-2", "pay-3"):
        create_alternate_eft(source, eft(payment, contract_id, account_id))
    source.execute("cancel_alternate_eft", {"portal_payment_id": "pay-3"})
    before = source.db_rowversion()

    # When ASPIRE's EFT generation runs
    now = dt.datetime(2026, 11, 3, 6, 0, tzinfo=dt.UTC)
    result = simulator.eft_run(db_path, now)

    # Then the pending payments are in one posted batch and Processed; the canceled one is untouched
    assert result["picked_up"] == 2 and result["eft_batch_id"] == 1
    assert result["posted_at"] == "2026-11-03 06:00:00"
    changed = {r["PortalPaymentId"]: r for r in changes_since(db_path, "alternate_eft", before)}
    assert set(changed) == {"pay-1", "pay-2"}
    assert all(r["Status"] == "Processed" and r["EftBatchId"] == 1 for r in changed.values())
    assert all(r["EftPostedAt"] == dt.datetime(2026, 11, 3, 6, 0) for r in changed.values())
    canceled = source.fetch_one("get_alternate_eft_by_portal_id", {"portal_payment_id": "pay-3"})
    assert canceled is not None and canceled["Status"] == "Canceled" and canceled["EftBatchId"] is None
    # and a payment already picked up can no longer be canceled
    assert source.execute("cancel_alternate_eft", {"portal_payment_id": "pay-1"}) == []
    source.close()


def test_an_eft_run_with_nothing_pending_makes_no_batch(db_path: Path) -> None:
    result = simulator.eft_run(db_path, dt.datetime(2026, 11, 3, 6, 0))
    assert result["picked_up"] == 0 and result["eft_batch_id"] is None
    assert one(db_path, "SELECT COUNT(*) FROM EftBatch") == (0,)


# ---- restore -------------------------------------------------------------------------------------------------------


def test_restore_snapshot_sends_rowversions_backwards(db_path: Path) -> None:
    # Given activity after seeding
    seeded = dbts(db_path)
    booked = simulator.book_contract(db_path, "A-000030")["contract_id"]
    assert dbts(db_path) > seeded

    # When the snapshot is restored
    result = simulator.restore_snapshot(db_path)

    # Then @@DBTS is back to the seeded value and the booked contract is gone, as after a DBA restore
    assert result["db_rowversion_before"] > result["db_rowversion_after"] == seeded == dbts(db_path)
    assert one(db_path, "SELECT COUNT(*) FROM Contract WHERE ContractId = ?", booked) == (0,)


def test_restore_snapshot_sets_the_restore_marker_like_the_dbas_runbook(db_path: Path) -> None:
    # Given a freshly seeded database: never restored, so no marker row
    source = SqliteAspireSource(db_path)
    try:
        assert source.fetch_one("restore_marker", {}) is None
        # When the snapshot is restored (the runbook's last step included), and again without that step
        marked = simulator.restore_snapshot(db_path)["restore_marker"]
        row = source.fetch_one("restore_marker", {})
        unmarked = simulator.restore_snapshot(db_path, mark=False)
    finally:
        source.close()
    # Then the marker holds the restore time, read back as a datetime, and an unmarked restore leaves none
    assert row is not None and row["LastRestoreAt"] == dt.datetime.fromisoformat(marked)
    assert unmarked["restore_marker"] is None


def test_restore_works_while_another_connection_has_the_file_open(db_path: Path) -> None:
    # Given a reader (e.g. the local server) with the database open and a write after seeding
    reader = SqliteAspireSource(db_path)
    assert reader.db_rowversion() > 0
    simulator.book_contract(db_path, "A-000030")
    after_booking = reader.db_rowversion()

    # When the snapshot is restored underneath it
    simulator.restore_snapshot(db_path)

    # Then the open connection keeps working and sees the restored data
    assert reader.db_rowversion() < after_booking
    assert reader.version() == "5.21.3"
    reader.close()


def test_restore_without_a_snapshot_fails(db_path: Path) -> None:
    Path(f"{db_path}.snapshot").unlink()
    with pytest.raises(simulator.SimulatorError, match="no snapshot"):
        simulator.restore_snapshot(db_path)


def test_restore_while_a_reader_is_mid_stream(db_path: Path) -> None:
    # Given a booking after seeding and a reader half-way through streaming the contracts
    simulator.book_contract(db_path, "A-000030")
    reader = SqliteAspireSource(db_path)
    pages = reader.stream("changes_contract", EVERYTHING, page_size=100)
    first = next(pages)

    # When the snapshot is restored meanwhile
    simulator.restore_snapshot(db_path)

    # Then the reader finishes its consistent read (the pre-restore contracts) and its next read is restored
    rest = [row for page in pages for row in page]
    assert len(first) + len(rest) == 661
    assert sum(len(p) for p in reader.stream("changes_contract", EVERYTHING)) == 660
    reader.close()
