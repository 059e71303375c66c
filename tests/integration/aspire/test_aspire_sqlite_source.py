"""SqliteAspireSource over a real file: schema, rowversion emulation, the port methods and every named query."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from collections.abc import Generator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from portal.adapters.aspire.port import AspireSource, AspireUnavailable, create_alternate_eft
from portal.adapters.aspire.queries import ENTITIES, QUERIES, SQL_SERVER_ONLY, query_text
from portal.adapters.aspire.sqlite import SqliteAspireSource

TABLES = {
    "AspireVersion", "Account", "Contact", "Location", "Contract", "ContractFinancial", "ContractRole", "Invoice",
    "AmortizationSchedule", "LineOfCredit", "Asset", "BankAccount", "AlternateEft", "EftBatch",
}  # fmt: skip
EVERYTHING = {"since": 0, "upto": 2**62}


@pytest.fixture
def source(tmp_path: Path) -> Iterator[SqliteAspireSource]:
    src = SqliteAspireSource(tmp_path / "aspire.db")
    src.create_schema()
    yield src
    src.close()


def sql(source: SqliteAspireSource, statement: str, *params: Any) -> None:
    with source.write_transaction() as tx:
        tx.execute(statement, params)


def rowver(source: SqliteAspireSource, table: str, key_column: str, key: Any) -> int:
    found = source.connection().execute(f"SELECT RowVer FROM {table} WHERE {key_column} = ?", (key,)).fetchone()
    return int(found[0])


def add_account(source: SqliteAspireSource, account_id: str, name: str = "Prairie Farms LLC") -> None:
    sql(source, "INSERT INTO Account (AccountId, Name, AccountType, Email) VALUES (?, ?, 'Business', ?)",
        account_id, name, "ap@prairie.example.com")  # fmt: skip


def add_contract(source: SqliteAspireSource, contract_id: str, account_id: str) -> None:
    location_id = f"L-{contract_id}"
    sql(
        source,
        "INSERT INTO Location (LocationId, AccountId, LocationType, Address1, City, StateProvince, PostalCode,"
        " Country) VALUES (?, ?, 'BillTo', '1 Main St', 'Fargo', 'ND', '58102', 'US')",
        location_id,
        account_id,
    )
    sql(
        source,
        "INSERT INTO Contract (ContractId, PrivateLabel, IsBooked, IsTerminated, CommencementDate, TermMonths,"
        " PaymentAmount, PaymentFrequency, PastDueAmount, BillToLocationId) VALUES (?, NULL, 1, 0, '2026-01-15', 36,"
        " '1234.50', 'Monthly', '0.00', ?)",
        contract_id,
        location_id,
    )
    sql(
        source,
        "INSERT INTO ContractRole (ContractRoleId, ContractId, AccountId, RoleType) VALUES"
        " ((SELECT COALESCE(MAX(ContractRoleId), 0) + 1 FROM ContractRole), ?, ?, 'Customer')",
        contract_id,
        account_id,
    )


def eft_params(portal_payment_id: str, contract_id: str = "CN-0001001", account_id: str = "A-1") -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "account_id": account_id,
        "payment_date": dt.date(2026, 11, 5),
        "amount": Decimal("1234.50"),
        "routing_number": "011000015",
        "account_number": "123456789",
        "account_type": "Checking",
        "sec_code": "CCD",
        "portal_payment_id": portal_payment_id,
        "created_at": dt.datetime(2026, 11, 2, 14, 30, 5, 123000),
    }


# ---- schema ----------------------------------------------------------------------------------------------------


def test_create_schema_builds_every_table_in_wal_mode_and_is_idempotent(source: SqliteAspireSource) -> None:
    # Given a freshly created schema
    conn = source.connection()

    # When it is created again
    source.create_schema()

    # Then every table of ddl.sql exists once, with its two rowversion triggers, in WAL mode
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert tables >= TABLES
    assert all(f"trg_{t}_RowVer_insert" in triggers and f"trg_{t}_RowVer_update" in triggers for t in TABLES)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_adapter_satisfies_the_port(source: SqliteAspireSource) -> None:
    assert isinstance(source, AspireSource)


# ---- rowversion emulation --------------------------------------------------------------------------------------


def test_insert_stamps_the_next_rowversion_and_db_rowversion_follows(source: SqliteAspireSource) -> None:
    # Given an empty database
    assert source.db_rowversion() == 0

    # When two rows are inserted
    add_account(source, "A-1")
    add_account(source, "A-2")

    # Then each insert used exactly one new rowversion, and @@DBTS is the last one used
    assert rowver(source, "Account", "AccountId", "A-1") == 1
    assert rowver(source, "Account", "AccountId", "A-2") == 2
    assert source.db_rowversion() == 2


def test_update_advances_only_the_updated_row(source: SqliteAspireSource) -> None:
    # Given two accounts
    add_account(source, "A-1")
    add_account(source, "A-2")

    # When one is renamed
    sql(source, "UPDATE Account SET Name = 'Prairie Farms Inc.' WHERE AccountId = 'A-1'")

    # Then it alone carries a new, higher rowversion
    assert rowver(source, "Account", "AccountId", "A-1") == 3
    assert rowver(source, "Account", "AccountId", "A-2") == 2
    assert source.db_rowversion() == 3


def test_rowversion_is_database_wide_across_tables(source: SqliteAspireSource) -> None:
    # Given an account and then a contract
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")

    # Then the contract's rows carry later values from the same counter
    assert rowver(source, "Contract", "ContractId", "CN-0001001") > rowver(source, "Account", "AccountId", "A-1")
    assert source.db_rowversion() == 4  # account, location, contract, role


def test_min_active_rowversion_is_next_value_without_open_transactions(source: SqliteAspireSource) -> None:
    add_account(source, "A-1")
    assert source.min_active_rowversion() == source.db_rowversion() + 1


def test_open_transaction_holds_back_min_active_rowversion_until_it_commits(source: SqliteAspireSource) -> None:
    # Given a row the sync has already read
    add_account(source, "A-1")
    add_account(source, "A-2")
    watermark = source.db_rowversion()

    # When a long transaction starts, changes A-1, and meanwhile another write commits
    with source.open_transaction() as tx:
        reserved = tx.rowversion
        tx.update("Account", "AccountId", "A-1", Name="Renamed In Long Transaction")
        add_account(source, "A-3")
        upto = source.min_active_rowversion()
        window = [r for page in source.stream("changes_account", {"since": watermark, "upto": upto}) for r in page]

        # Then the open transaction's rowversion bounds the read, its change is invisible,
        # and the later write (rowversion > N) is not read yet either
        assert upto == reserved == watermark + 1
        assert rowver(source, "Account", "AccountId", "A-3") > reserved
        assert window == []
        assert source.fetch_one("changes_account", EVERYTHING) is not None
        names = {r["AccountId"]: r["Name"] for p in source.stream("changes_account", EVERYTHING) for r in p}
        assert names["A-1"] == "Prairie Farms LLC"

    # And after the commit the change appears with exactly the reserved rowversion, inside the next window
    assert rowver(source, "Account", "AccountId", "A-1") == reserved
    assert source.min_active_rowversion() == source.db_rowversion() + 1
    next_window = [
        r
        for page in source.stream("changes_account", {"since": upto - 1, "upto": source.min_active_rowversion()})
        for r in page
    ]
    assert [(r["AccountId"], r["Name"]) for r in next_window] == [
        ("A-1", "Renamed In Long Transaction"),
        ("A-3", "Prairie Farms LLC"),
    ]


def test_a_failed_open_transaction_applies_nothing_and_releases_its_rowversion(source: SqliteAspireSource) -> None:
    # Given an account
    add_account(source, "A-1")
    before = rowver(source, "Account", "AccountId", "A-1")

    # When a long transaction fails
    with pytest.raises(RuntimeError), source.open_transaction() as tx:
        tx.update("Account", "AccountId", "A-1", Name="Never Committed")
        raise RuntimeError("rolled back")

    # Then nothing changed and no transaction holds the minimum back
    row = source.fetch_one("changes_account", EVERYTHING)
    assert row is not None and row["Name"] == "Prairie Farms LLC"
    assert rowver(source, "Account", "AccountId", "A-1") == before
    assert source.min_active_rowversion() == source.db_rowversion() + 1


def test_open_transaction_can_insert_rows_with_its_rowversion(source: SqliteAspireSource) -> None:
    # Given a long transaction that inserts an account while another account is inserted
    with source.open_transaction() as tx:
        tx.insert("Account", AccountId="A-9", Name="Late Commit LLC", AccountType="Business")
        add_account(source, "A-1")

    # Then the late row carries the earlier rowversion
    assert (
        rowver(source, "Account", "AccountId", "A-9") == tx.rowversion < rowver(source, "Account", "AccountId", "A-1")
    )


def test_open_transaction_rejects_non_identifiers(source: SqliteAspireSource) -> None:
    with pytest.raises(ValueError, match="identifier"), source.open_transaction() as tx:
        tx.update("Account; DROP TABLE Account", "AccountId", "A-1", Name="x")


# ---- port methods ----------------------------------------------------------------------------------------------


def test_version_reads_the_aspire_version_row(source: SqliteAspireSource) -> None:
    sql(source, "INSERT INTO AspireVersion (VersionNumber) VALUES ('5.21.3')")
    assert source.version() == "5.21.3"


def test_stream_yields_pages_of_page_size(source: SqliteAspireSource) -> None:
    # Given ten accounts
    for n in range(10):
        add_account(source, f"A-{n:02d}", f"Account {n}")

    # When they are streamed three at a time
    pages = list(source.stream("changes_account", EVERYTHING, page_size=3))

    # Then the pages hold 3, 3, 3 and 1 rows in RowVer order, as dicts keyed by column name
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    rows = [r for p in pages for r in p]
    assert [r["RowVer"] for r in rows] == sorted(r["RowVer"] for r in rows)
    assert set(rows[0]) == {"AccountId", "Name", "AccountType", "Email", "Phone", "RowVer"}


def test_other_calls_may_run_while_a_stream_is_being_read(source: SqliteAspireSource) -> None:
    # Given ten accounts being streamed three at a time
    for n in range(10):
        add_account(source, f"A-{n:02d}", f"Account {n}")
    pages = source.stream("changes_account", EVERYTHING, page_size=3)
    first = next(pages)

    # When other reads and a write happen before the stream is finished
    assert source.fetch_one("changes_account", EVERYTHING) is not None
    add_account(source, "A-99", "Written Mid-Stream")

    # Then the stream still delivers every row it started with
    rest = [r for page in pages for r in page]
    assert [r["AccountId"] for r in first + rest][:10] == [f"A-{n:02d}" for n in range(10)]


def test_an_abandoned_stream_blocks_nothing(source: SqliteAspireSource) -> None:
    # Given a stream read only half-way and dropped
    for n in range(5):
        add_account(source, f"A-{n}")
    pages = source.stream("changes_account", EVERYTHING, page_size=2)
    next(pages)
    assert isinstance(pages, Generator)
    pages.close()

    # When another connection writes
    other = SqliteAspireSource(source.path)
    add_account(other, "A-9")

    # Then the write went through
    assert other.db_rowversion() == 6
    other.close()


def test_stream_rejects_a_zero_page_size(source: SqliteAspireSource) -> None:
    with pytest.raises(ValueError, match="page_size"):
        next(source.stream("changes_account", EVERYTHING, page_size=0))


def test_values_come_back_as_the_types_pymssql_returns(source: SqliteAspireSource) -> None:
    # Given a contract with money, dates and bits
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")
    sql(source, "INSERT INTO ContractFinancial (ContractId, ContractType, OriginalCost, FinancedAmount,"
        " PrincipalBalance, InterestRate, PrincipalPaidToDate, InterestPaidToDate) VALUES"
        " ('CN-0001001', 'Loan', '50000.00', '48000.10', '30000.00', '0.065900', '18000.10', '4000.00')")  # fmt: skip

    # When read through the port
    contract = source.fetch_one("changes_contract", EVERYTHING)
    financial = source.fetch_one("changes_contract_financial", EVERYTHING)

    # Then money is an exact Decimal with its scale, dates are dates, bits are bools, RowVer an int
    assert contract is not None and financial is not None
    assert contract["PaymentAmount"] == Decimal("1234.50") and str(contract["PaymentAmount"]) == "1234.50"
    assert contract["CommencementDate"] == dt.date(2026, 1, 15)
    assert contract["IsBooked"] is True and contract["IsTerminated"] is False
    assert contract["NextDueDate"] is None
    assert isinstance(contract["RowVer"], int)
    assert financial["InterestRate"] == Decimal("0.065900") and str(financial["InterestRate"]) == "0.065900"


def test_fetch_one_returns_none_when_nothing_matches(source: SqliteAspireSource) -> None:
    assert source.fetch_one("get_alternate_eft_by_portal_id", {"portal_payment_id": "nope"}) is None


def test_a_database_without_schema_reports_aspire_unavailable(tmp_path: Path) -> None:
    empty = SqliteAspireSource(tmp_path / "empty.db")
    with pytest.raises(AspireUnavailable, match="seed it first"):
        empty.version()


def test_a_second_connection_sees_committed_writes(source: SqliteAspireSource) -> None:
    # Given another process-like reader on the same file
    other = SqliteAspireSource(source.path)

    # When this one writes
    add_account(source, "A-1")

    # Then the other reads it (WAL: readers and one writer at a time)
    assert other.fetch_one("changes_account", EVERYTHING) is not None
    other.close()


def test_in_memory_sources_are_shared_by_threads() -> None:
    # Given an in-memory source with a schema and a row
    memory = SqliteAspireSource(":memory:")
    memory.create_schema()
    add_account(memory, "A-1")

    # When another thread reads it
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(memory.fetch_one("changes_account", EVERYTHING)))
    thread.start()
    thread.join()

    # Then it sees the same database
    assert seen[0]["AccountId"] == "A-1"
    memory.close()


# ---- every named query ---------------------------------------------------------------------------------------------

_PARAM = re.compile(r"%\((\w+)\)s")


def sample_params(name: str) -> dict[str, Any]:
    values: dict[str, Any] = {**EVERYTHING, "first": "A", "last": "Z"}
    values.update(eft_params(f"probe-{name}"))
    return {p: values.get(p, "CN-0001001") for p in _PARAM.findall(query_text(name))}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_runs_on_sqlite(source: SqliteAspireSource, name: str) -> None:
    # Given a database holding one of everything
    sql(source, "INSERT INTO AspireVersion (VersionNumber) VALUES ('5.21.3')")
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")

    # When the query runs with parameters for each placeholder
    params = sample_params(name)
    if name in SQL_SERVER_ONLY:  # msdb does not exist here: fails like a login without the permission
        with pytest.raises(AspireUnavailable):
            source.fetch_one(name, params)
        return
    if name in ("insert_alternate_eft", "cancel_alternate_eft"):
        rows = source.execute(name, params)
        assert isinstance(rows, list)
    else:
        rows = [r for page in source.stream(name, params) for r in page]

    # Then it ran, and rows are dicts
    assert all(isinstance(r, dict) for r in rows)


def test_changes_queries_return_what_was_written_in_each_entity(source: SqliteAspireSource) -> None:
    # Given an account with a contract
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")

    # When each entity's changes are read from the start
    found = {e.name: [r for p in source.stream(e.changes_query, EVERYTHING) for r in p] for e in ENTITIES}

    # Then the written rows are there, with their keys
    assert [r["AccountId"] for r in found["account"]] == ["A-1"]
    assert [r["ContractId"] for r in found["contract"]] == ["CN-0001001"]
    assert [(r["ContractId"], r["RoleType"]) for r in found["contract_role"]] == [("CN-0001001", "Customer")]
    assert [r["PostalCode"] for r in found["location"]] == ["58102"]


# ---- payments: the idempotent Alternate EFT write ---------------------------------------------------------------


def test_insert_alternate_eft_is_idempotent(source: SqliteAspireSource) -> None:
    # Given a contract to pay
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")

    # When the same portal payment is written twice
    first = create_alternate_eft(source, eft_params("pay-1"))
    second = create_alternate_eft(source, eft_params("pay-1"))
    raw_retry = source.execute("insert_alternate_eft", eft_params("pay-1"))

    # Then one Alternate EFT exists and the retry returns its id
    assert first.created and not second.created
    assert second.alternate_eft_id == first.alternate_eft_id
    assert raw_retry == []
    count = source.connection().execute("SELECT COUNT(*) FROM AlternateEft").fetchone()[0]
    assert count == 1
    row = source.fetch_one("get_alternate_eft_by_portal_id", {"portal_payment_id": "pay-1"})
    assert row is not None
    assert row["Status"] == "Pending" and row["EftBatchId"] is None
    assert row["Amount"] == Decimal("1234.50") and row["PaymentDate"] == dt.date(2026, 11, 5)
    assert row["CreatedAt"] == dt.datetime(2026, 11, 2, 14, 30, 5, 123000)


def test_insert_alternate_eft_outputs_the_new_id(source: SqliteAspireSource) -> None:
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")
    rows = source.execute("insert_alternate_eft", eft_params("pay-7"))
    assert rows == [{"AlternateEftId": 1}]


def test_the_unique_guard_stops_a_duplicate_that_bypasses_the_not_exists(source: SqliteAspireSource) -> None:
    # Given an Alternate EFT
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")
    create_alternate_eft(source, eft_params("pay-1"))

    # When a raw duplicate insert is attempted
    # Then the UNIQUE constraint refuses it
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        sql(
            source,
            "INSERT INTO AlternateEft (ContractId, AccountId, PaymentDate, Amount, RoutingNumber, AccountNumber,"
            " AccountType, SecCode, PortalPaymentId, Status) VALUES ('CN-0001001', 'A-1', '2026-11-05', '1.00',"
            " '011000015', '1', 'Checking', 'WEB', 'pay-1', 'Pending')",
        )


def test_cancel_only_while_pending_and_not_picked_up(source: SqliteAspireSource) -> None:
    # Given two payments, one of which an EFT run has picked up
    add_account(source, "A-1")
    add_contract(source, "CN-0001001", "A-1")
    create_alternate_eft(source, eft_params("pay-open"))
    picked = create_alternate_eft(source, eft_params("pay-picked"))
    with source.write_transaction() as tx:
        tx.execute("INSERT INTO EftBatch (GeneratedAt) VALUES ('2026-11-03 10:00:00')")
        tx.execute("UPDATE AlternateEft SET EftBatchId = 1, Status = 'Processed' WHERE AlternateEftId = ?",
                   (picked.alternate_eft_id,))  # fmt: skip

    # When both are canceled
    canceled = source.execute("cancel_alternate_eft", {"portal_payment_id": "pay-open"})
    refused = source.execute("cancel_alternate_eft", {"portal_payment_id": "pay-picked"})
    again = source.execute("cancel_alternate_eft", {"portal_payment_id": "pay-open"})

    # Then only the one still pending is canceled, once
    assert canceled == [{"AlternateEftId": 1, "Status": "Canceled"}]
    assert refused == [] and again == []


def test_a_write_refused_for_another_reason_is_not_a_conflict(source: SqliteAspireSource) -> None:
    # Given no contract CN-404 in ASPIRE
    from portal.adapters.aspire.port import AspireError, AspireWriteConflict

    # When a payment is written for it
    with pytest.raises(AspireError, match="FOREIGN KEY") as raised:
        source.execute("insert_alternate_eft", eft_params("pay-404", contract_id="CN-404"))

    # Then it is refused as an error, not mistaken for a retry of an existing payment
    assert not isinstance(raised.value, AspireWriteConflict)
