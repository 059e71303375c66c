"""The demo dataset: deterministic, streamed in bounded batches, covering every state the portal has rules for.

How fast the seed is belongs to `make bench` (bench/sync_bench.py prints it), not to a test: timings on a
shared machine fail for reasons that are not the code's.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import local.aspire.seed as seed_module
from local.aspire.seed import ANCHOR_DATE, ASPIRE_VERSION, SeedResult, content_hash, seed
from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.domain.bank import routing_number_valid


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> SeedResult:
    return seed(tmp_path_factory.mktemp("seed") / "aspire.db")


@pytest.fixture(scope="module")
def db(seeded: SeedResult) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(seeded.path)
    yield conn
    conn.close()


def scalar(db: sqlite3.Connection, query: str, *params: Any) -> Any:
    return db.execute(query, params).fetchone()[0]


def counts(db: sqlite3.Connection, query: str) -> dict[Any, int]:
    return {row[0]: row[1] for row in db.execute(query)}


# ---- size, determinism, batches ------------------------------------------------------------------------------


def test_default_dataset_is_big_enough_and_reports_what_it_wrote(seeded: SeedResult, db: sqlite3.Connection) -> None:
    # Given the default seed
    # Then it holds 240+ accounts and 650+ contracts, and its result counts exactly the rows of every table
    assert scalar(db, "SELECT COUNT(*) FROM Account") >= 240
    assert scalar(db, "SELECT COUNT(*) FROM Contract") >= 650
    assert seeded.rows == {table: scalar(db, f'SELECT COUNT(*) FROM "{table}"') for table in seeded.rows}
    assert seeded.contracts == seeded.rows["Contract"] and seeded.accounts == seeded.rows["Account"]
    assert scalar(db, "SELECT VersionNumber FROM AspireVersion") == ASPIRE_VERSION


def test_two_seeds_give_the_same_content(seeded: SeedResult, tmp_path: Path) -> None:
    # Given a second seed with the same seed value, and one with another
    again = seed(tmp_path / "again.db")
    other = seed(tmp_path / "other.db", seed=7)

    # Then the same seed gives the same content (and the same file bytes); another seed differs
    assert content_hash(again.path) == content_hash(seeded.path)
    assert Path(again.path).read_bytes() == Path(seeded.path).read_bytes()
    assert content_hash(other.path) != content_hash(seeded.path)


def test_reseeding_replaces_the_database(tmp_path: Path) -> None:
    # Given a seeded database that was then changed
    path = tmp_path / "aspire.db"
    seed(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM AmortizationSchedule")
    conn.close()

    # When it is seeded again
    seed(path)

    # Then it is the seeded state again
    assert content_hash(path) == content_hash(f"{path}.snapshot")


def test_snapshot_is_the_state_right_after_seeding(seeded: SeedResult) -> None:
    assert Path(seeded.snapshot_path).exists()
    assert content_hash(seeded.snapshot_path) == content_hash(seeded.path)


def test_rowversions_were_stamped_by_the_triggers(seeded: SeedResult, db: sqlite3.Connection) -> None:
    # Then every row has its own rowversion and @@DBTS is the last one used
    total = sum(v for k, v in seeded.rows.items())
    distinct = sum(scalar(db, f"SELECT COUNT(DISTINCT RowVer) FROM {t} WHERE RowVer > 0") for t in seeded.rows)
    assert distinct == total
    assert seeded.db_rowversion == scalar(db, "SELECT value FROM __rowversion") == total


def test_seeded_data_reads_through_the_port(seeded: SeedResult) -> None:
    source = SqliteAspireSource(seeded.path)
    assert source.version() == ASPIRE_VERSION
    assert source.db_rowversion() == seeded.db_rowversion
    rows = sum(len(p) for p in source.stream("changes_contract", {"since": 0, "upto": 2**62}, page_size=100))
    assert rows == seeded.contracts
    source.close()


# ---- coverage of every state -----------------------------------------------------------------------------------


def test_every_contract_state_is_present(db: sqlite3.Connection) -> None:
    states = counts(
        db,
        "SELECT CASE WHEN IsBooked = 0 THEN 'not_booked' WHEN IsTerminated = 1 THEN 'terminated' ELSE 'active' END,"
        " COUNT(*) FROM Contract GROUP BY 1",
    )
    assert states["active"] > states["terminated"] > states["not_booked"] >= 20
    # terminated contracts have a termination date; active ones a next due date after the anchor
    assert scalar(db, "SELECT COUNT(*) FROM Contract WHERE IsTerminated = 1 AND TerminationDate IS NULL") == 0
    assert scalar(
        db, "SELECT COUNT(*) FROM Contract WHERE IsBooked = 1 AND IsTerminated = 0 AND NextDueDate <= ?",
        ANCHOR_DATE.isoformat(),
    ) == 0  # fmt: skip


def test_every_private_label_is_present(db: sqlite3.Connection) -> None:
    labels = counts(db, "SELECT PrivateLabel, COUNT(*) FROM Contract GROUP BY PrivateLabel")
    assert set(labels) == {None, "AGRI", "MED", "DENTAL", "LEGACY"}
    assert min(labels.values()) >= 30


def test_every_role_type_is_present(db: sqlite3.Connection) -> None:
    roles = counts(db, "SELECT RoleType, COUNT(*) FROM ContractRole GROUP BY RoleType")
    assert set(roles) == {"Customer", "Guarantor", "Vendor", "Broker", "CoLessee"}
    # one Customer per contract
    assert roles["Customer"] == scalar(db, "SELECT COUNT(*) FROM Contract")
    assert scalar(db, "SELECT COUNT(*) FROM (SELECT ContractId FROM ContractRole WHERE RoleType = 'Customer'"
                      " GROUP BY ContractId HAVING COUNT(*) <> 1)") == 0  # fmt: skip


def test_every_contract_type_and_the_amortization_rule(db: sqlite3.Connection) -> None:
    types = counts(db, "SELECT ContractType, COUNT(*) FROM ContractFinancial GROUP BY ContractType")
    assert set(types) == {"OperatingLease", "CapitalLease", "Loan"}
    with_schedule = counts(
        db,
        "SELECT f.ContractType, COUNT(DISTINCT s.ContractId) FROM AmortizationSchedule s"
        " JOIN ContractFinancial f ON f.ContractId = s.ContractId GROUP BY f.ContractType",
    )
    # operating leases never have a schedule; booked capital leases and loans always do
    assert "OperatingLease" not in with_schedule
    booked_non_operating = scalar(
        db,
        "SELECT COUNT(*) FROM Contract c JOIN ContractFinancial f ON f.ContractId = c.ContractId"
        " WHERE c.IsBooked = 1 AND f.ContractType <> 'OperatingLease'",
    )
    assert sum(with_schedule.values()) == booked_non_operating


def test_schedules_add_up(db: sqlite3.Connection) -> None:
    # Given every schedule: principal paid down from the financed amount to the last ending balance
    mismatches = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT s.ContractId, SUM(CAST(REPLACE(s.Principal, '.', '') AS INTEGER)) AS p,"
        " MIN(CAST(REPLACE(s.EndingBalance, '.', '') AS INTEGER)) AS last_balance,"
        " CAST(REPLACE(f.FinancedAmount, '.', '') AS INTEGER) AS financed"
        " FROM AmortizationSchedule s JOIN ContractFinancial f ON f.ContractId = s.ContractId"
        " GROUP BY s.ContractId) WHERE p + last_balance <> financed",
    )
    assert mismatches == 0


def test_invoices_open_and_paid(db: sqlite3.Connection) -> None:
    statuses = counts(db, "SELECT Status, COUNT(*) FROM Invoice GROUP BY Status")
    assert statuses["Open"] >= 100 and statuses["Paid"] >= 100
    assert scalar(db, "SELECT COUNT(*) FROM Invoice WHERE Status = 'Paid' AND Balance <> '0.00'") == 0
    # past-due amounts are the open balances of invoices already due
    mismatched = scalar(
        db,
        "SELECT COUNT(*) FROM Contract c WHERE CAST(REPLACE(c.PastDueAmount, '.', '') AS INTEGER) <> COALESCE(("
        " SELECT SUM(CAST(REPLACE(i.Balance, '.', '') AS INTEGER)) FROM Invoice i WHERE i.ContractId = c.ContractId"
        " AND i.Status = 'Open' AND i.DueDate <= ?), 0)",
        ANCHOR_DATE.isoformat(),
    )
    assert mismatched == 0
    assert scalar(db, "SELECT COUNT(*) FROM Contract WHERE PastDueAmount <> '0.00'") >= 10


def test_lines_of_credit_assets_and_bank_accounts(db: sqlite3.Connection) -> None:
    assert counts(db, "SELECT Status, COUNT(*) FROM LineOfCredit GROUP BY Status").keys() == {"Active", "Closed"}
    assert scalar(db, "SELECT COUNT(*) FROM Asset WHERE SerialNumber IS NULL OR SerialNumber = ''") == 0
    assert scalar(db, "SELECT COUNT(DISTINCT ContractId) FROM Asset") == scalar(db, "SELECT COUNT(*) FROM Contract")
    owner_types = counts(db, "SELECT OwnerType, COUNT(*) FROM BankAccount GROUP BY OwnerType")
    assert owner_types.keys() == {"Personal", "Business"}


def test_every_seeded_routing_number_passes_the_aba_checksum(db: sqlite3.Connection) -> None:
    routings = [row[0] for row in db.execute("SELECT RoutingNumber FROM BankAccount")]
    assert len(routings) >= 200
    assert all(routing_number_valid(r) for r in routings)


def test_email_fields_hold_several_addresses_with_both_separators(db: sqlite3.Connection) -> None:
    emails = [row[0] for row in db.execute("SELECT Email FROM Contact UNION ALL SELECT Email FROM Location")]
    multi = [e for e in emails if e and ("," in e or ";" in e)]
    assert any("," in e for e in multi) and any(";" in e for e in multi)
    assert any(e and "; " in e for e in emails)


def test_postal_codes_in_every_spelling(db: sqlite3.Connection) -> None:
    codes = {
        row[0]: row[1] for row in db.execute("SELECT PostalCode, Country FROM Location WHERE LocationType = 'BillTo'")
    }
    us = [c for c, country in codes.items() if country == "US"]
    ca = [c for c, country in codes.items() if country == "CA"]
    assert any(len(c) == 5 for c in us) and any("-" in c for c in us) and any(len(c) == 9 for c in us)
    assert any(" " in c for c in ca) and any("-" in c for c in ca) and any(len(c) == 6 for c in ca)


def test_every_contract_is_billed_to_a_bill_to_location_of_its_customer(db: sqlite3.Connection) -> None:
    wrong = scalar(
        db,
        "SELECT COUNT(*) FROM Contract c JOIN ContractRole r ON r.ContractId = c.ContractId AND r.RoleType = 'Customer'"
        " LEFT JOIN Location l ON l.LocationId = c.BillToLocationId"
        " WHERE l.LocationId IS NULL OR l.AccountId <> r.AccountId OR l.LocationType <> 'BillTo'",
    )
    assert wrong == 0


def test_dates_are_relative_to_the_anchor_not_today(db: sqlite3.Connection) -> None:
    latest_commencement = scalar(db, "SELECT MAX(CommencementDate) FROM Contract")
    assert dt.date.fromisoformat(latest_commencement) <= ANCHOR_DATE + dt.timedelta(days=31)
    assert scalar(db, "SELECT MAX(TerminationDate) FROM Contract") <= ANCHOR_DATE.isoformat()


# ---- scale -------------------------------------------------------------------------------------------------------


def test_a_moderate_scale_seed_streams_in_bounded_batches_whatever_their_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every table batch the seed writes is recorded
    batches: list[tuple[str, int]] = []
    real_insert = seed_module._insert

    def recording_insert(conn: sqlite3.Connection, table: str, rows: Any, counts: dict[str, int]) -> None:
        rows = list(rows)
        batches.append((table, len(rows)))
        real_insert(conn, table, rows, counts)

    monkeypatch.setattr(seed_module, "_insert", recording_insert)

    # When 5,000 contracts are seeded with the default batch size, and again with batches of 700 contracts
    result = seed(tmp_path / "scale.db", scale=5_000)
    default_batches = list(batches)
    batches.clear()
    monkeypatch.setattr(seed_module, "_CHUNK", 700)
    smaller = seed(tmp_path / "smaller.db", scale=5_000)

    # Then it holds exactly that many contracts, about a third as many accounts, ~10+ schedule rows per
    # booked capital lease/loan
    with sqlite3.connect(result.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM Contract").fetchone()[0] == 5_000
        assert conn.execute("SELECT COUNT(*) FROM Account").fetchone()[0] == 5_000 // 3
        schedules = conn.execute("SELECT COUNT(DISTINCT ContractId), COUNT(*) FROM AmortizationSchedule").fetchone()
    conn.close()
    assert schedules[1] / schedules[0] >= 10
    assert result.rows["AmortizationSchedule"] == schedules[1]
    # And the contracts went in as several batches of at most one chunk each (memory stays bounded) ...
    assert [size for table, size in default_batches if table == "Contract"] == [2_000, 2_000, 1_000]
    assert [size for table, size in batches if table == "Contract"] == [700] * 7 + [100]
    # ... and the batch size changes nothing in the data (only the order rowversions were stamped in)
    assert smaller.rows == result.rows
    for table in ("Contract", "ContractRole", "AmortizationSchedule", "Invoice"):
        assert rows_without_rowversion(smaller.path, table) == rows_without_rowversion(result.path, table), table


def rows_without_rowversion(path: str, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
        keep = [i for i, column in enumerate(cursor.description) if column[0] != "RowVer"]
        rows = [tuple(row[i] for i in keep) for row in cursor]
    conn.close()
    return rows


def test_tiny_scales_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        seed(tmp_path / "tiny.db", scale=10)
