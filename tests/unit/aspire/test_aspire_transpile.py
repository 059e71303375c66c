"""T-SQL -> SQLite: every post-pass rule on its own, and the whole named query set.

These are text-level checks (no database); tests/integration/aspire runs the transpiled SQL against SQLite.
"""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from portal.adapters.aspire.queries import ENTITIES, QUERIES, ddl_text, query_text
from portal.adapters.aspire.transpile import (
    ACTIVE_ROWVERSIONS_TABLE,
    FORCED_ROWVERSION_TABLE,
    ROWVERSION_TABLE,
    TranspileError,
    ddl_to_sqlite,
    parse_tsql,
    swap_placeholders,
    to_sqlite,
)


def one_line(sql: str) -> str:
    return " ".join(sql.split())


# ---- pymssql placeholders --------------------------------------------------------------------------------------


def test_pyformat_placeholders_become_sqlite_named_parameters() -> None:
    # Given T-SQL written for pymssql
    tsql = "SELECT a.AccountId FROM dbo.Account AS a WHERE a.AccountId = %(account_id)s AND a.Name = %(name)s"

    # When it is transpiled
    sql = to_sqlite(tsql)

    # Then the parameters are SQLite's :name form, bound from the same mapping
    assert ":account_id" in sql and ":name" in sql
    assert "%(" not in sql


def test_escaped_percent_signs_are_unescaped() -> None:
    # Given a LIKE pattern escaped for pyformat substitution
    tsql = "SELECT a.AccountId FROM dbo.Account AS a WHERE a.Name LIKE 'Prairie%%' AND a.Email = %(email)s"

    # When the placeholders are swapped
    swapped = swap_placeholders(tsql)

    # Then the pattern is the literal SQL Server receives after pymssql's substitution
    assert "LIKE 'Prairie%'" in swapped
    assert ":email" in swapped


# ---- dbo schema ------------------------------------------------------------------------------------------------


def test_dbo_prefix_is_removed_from_tables_joins_and_references() -> None:
    # Given T-SQL naming dbo-qualified tables in FROM, JOIN and a REFERENCES clause
    select = (
        "SELECT e.AlternateEftId FROM dbo.AlternateEft AS e LEFT JOIN dbo.EftBatch AS b ON b.EftBatchId = e.EftBatchId"
    )
    create = "CREATE TABLE dbo.Child (Id int NOT NULL PRIMARY KEY, ParentId int NULL REFERENCES dbo.Parent (Id))"

    # When transpiled
    out = to_sqlite(select) + " " + ddl_to_sqlite(create)[-1]

    # Then no dbo qualifier is left
    assert "dbo." not in out
    assert "FROM AlternateEft AS e LEFT JOIN EftBatch AS b" in out
    assert "REFERENCES Parent (Id)" in out


# ---- UTC now ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", ["GETUTCDATE()", "SYSUTCDATETIME()"])
def test_utc_now_functions_become_sqlite_strftime(function: str) -> None:
    # Given a query using SQL Server's UTC clock
    tsql = f"SELECT {function} AS Now"

    # When transpiled
    sql = to_sqlite(tsql)

    # Then it reads SQLite's UTC clock in the DATETIME_TEXT format
    assert one_line(sql) == "SELECT (STRFTIME('%Y-%m-%d %H:%M:%f', 'now')) AS Now"


def test_utc_now_default_is_parenthesised_as_sqlite_requires() -> None:
    # Given a DDL default using SYSUTCDATETIME()
    ddl = "CREATE TABLE dbo.T (Id int NOT NULL PRIMARY KEY, CreatedAt datetime2 NOT NULL DEFAULT SYSUTCDATETIME())"

    # When transpiled
    create = ddl_to_sqlite(ddl)[-1]

    # Then the default is an expression in parentheses
    assert "DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'now'))" in create


def test_local_server_time_is_refused() -> None:
    # Given a query reading the server's local clock (time-zone dependent on SQL Server)
    # When / Then transpiling it fails with a clear error
    with pytest.raises(TranspileError, match="local server time"):
        to_sqlite("SELECT GETDATE() AS Now")


# ---- OUTPUT -> RETURNING ---------------------------------------------------------------------------------------


def test_output_inserted_becomes_returning() -> None:
    # Given an INSERT with an OUTPUT clause
    tsql = "INSERT INTO dbo.EftBatch (GeneratedAt) OUTPUT INSERTED.EftBatchId VALUES (%(at)s)"

    # When transpiled
    sql = to_sqlite(tsql)

    # Then SQLite returns the same column through RETURNING, without the INSERTED qualifier
    assert one_line(sql) == "INSERT INTO EftBatch (GeneratedAt) VALUES (:at) RETURNING EftBatchId"


def test_output_inserted_of_an_update_becomes_returning() -> None:
    # Given an UPDATE with an OUTPUT clause
    tsql = "UPDATE dbo.AlternateEft SET Status = 'Canceled' OUTPUT INSERTED.AlternateEftId, INSERTED.Status WHERE 1 = 1"

    # When transpiled
    sql = to_sqlite(tsql)

    # Then
    assert sql.endswith("RETURNING AlternateEftId, Status")


def test_output_deleted_of_an_update_is_refused() -> None:
    # Given an UPDATE reading the old value (SQLite's RETURNING only sees the new one)
    tsql = "UPDATE dbo.AlternateEft SET Status = 'Canceled' OUTPUT DELETED.Status WHERE 1 = 1"

    # When / Then
    with pytest.raises(TranspileError, match="DELETED"):
        to_sqlite(tsql)


# ---- rowversion --------------------------------------------------------------------------------------------------


def test_rowversion_column_becomes_integer_with_default() -> None:
    # Given a table with a rowversion column
    ddl = "CREATE TABLE dbo.T (Id int NOT NULL PRIMARY KEY, Name nvarchar(20) NULL, RowVer rowversion NOT NULL)"

    # When transpiled
    create = ddl_to_sqlite(ddl)[-3]

    # Then RowVer is a plain integer (the triggers stamp it; the default only satisfies NOT NULL)
    assert "RowVer INTEGER NOT NULL DEFAULT 0" in create


def test_rowversion_tables_get_insert_and_update_triggers() -> None:
    # Given a table with a rowversion column
    ddl = "CREATE TABLE dbo.T (Id int NOT NULL PRIMARY KEY, Name nvarchar(20) NULL, RowVer rowversion NOT NULL)"

    # When transpiled
    statements = ddl_to_sqlite(ddl)

    # Then two triggers follow the table: the update one watches every column but RowVer, so the
    # trigger's own "SET RowVer" cannot fire it again
    insert_trigger, update_trigger = statements[-2:]
    assert insert_trigger.startswith("CREATE TRIGGER trg_T_RowVer_insert AFTER INSERT ON T")
    assert update_trigger.startswith("CREATE TRIGGER trg_T_RowVer_update AFTER UPDATE OF Id, Name ON T")
    for trigger in (insert_trigger, update_trigger):
        assert f"UPDATE {ROWVERSION_TABLE} SET value = value + 1" in trigger
        assert f"COALESCE((SELECT value FROM {FORCED_ROWVERSION_TABLE})" in trigger


def test_tables_without_rowversion_get_no_triggers() -> None:
    # Given a table without a rowversion column
    ddl = "CREATE TABLE dbo.Lookup (Code varchar(10) NOT NULL PRIMARY KEY)"

    # When transpiled
    statements = ddl_to_sqlite(ddl)

    # Then
    assert not any("TRIGGER" in s for s in statements)


def test_emulation_tables_come_first() -> None:
    # Given any DDL
    # When transpiled
    statements = ddl_to_sqlite("CREATE TABLE dbo.Lookup (Code varchar(10) NOT NULL PRIMARY KEY)")

    # Then the counter, the active-transaction set and the forced value exist before any table
    head = " ".join(statements[:5])
    for table in (ROWVERSION_TABLE, ACTIVE_ROWVERSIONS_TABLE, FORCED_ROWVERSION_TABLE):
        assert f"CREATE TABLE {table}" in head


def test_dbts_reads_the_counter() -> None:
    # Given @@DBTS, the last rowversion used
    # When transpiled
    sql = to_sqlite("SELECT CAST(@@DBTS AS BIGINT) AS DbRowVersion")

    # Then it reads the emulated counter
    assert one_line(sql) == f"SELECT CAST((SELECT value FROM {ROWVERSION_TABLE}) AS INTEGER) AS DbRowVersion"


def test_min_active_rowversion_reads_open_transactions_or_next_value() -> None:
    # Given MIN_ACTIVE_ROWVERSION()
    # When transpiled
    sql = to_sqlite("SELECT CAST(MIN_ACTIVE_ROWVERSION() AS BIGINT) AS MinActiveRowVersion")

    # Then it is the lowest open transaction's rowversion, else @@DBTS + 1
    assert (
        f"(SELECT COALESCE(MIN(rowver), (SELECT value FROM {ROWVERSION_TABLE}) + 1) FROM {ACTIVE_ROWVERSIONS_TABLE})"
        in sql
    )


def test_binary_casts_of_the_watermark_become_integer_comparisons() -> None:
    # Given the sargable T-SQL watermark predicate
    tsql = "SELECT a.AccountId FROM dbo.Account AS a WHERE a.RowVer > CAST(CAST(%(since)s AS BIGINT) AS BINARY(8))"

    # When transpiled
    sql = to_sqlite(tsql)

    # Then SQLite compares integers
    assert one_line(sql).endswith("WHERE a.RowVer > CAST(:since AS INTEGER)")
    assert "BLOB" not in sql and "BINARY" not in sql


@pytest.mark.parametrize("target", ["VARBINARY(8)", "rowversion"])
def test_other_binary_casts_are_dropped_too(target: str) -> None:
    # Given a cast to another binary type
    # When transpiled
    sql = to_sqlite(f"SELECT CAST(%(x)s AS {target}) AS V")

    # Then the operand is used as it is
    assert one_line(sql) == "SELECT :x AS V"


# ---- types ---------------------------------------------------------------------------------------------------------


def test_column_types_map_to_converter_declared_types() -> None:
    # Given one column of each T-SQL type the surface uses
    ddl = (
        "CREATE TABLE dbo.T (Id int NOT NULL PRIMARY KEY, Flag bit NOT NULL, Amount decimal(18, 2) NOT NULL,"
        " Rate decimal(9, 6) NULL, Day date NULL, At datetime2 NULL, Code char(9) NULL, Name nvarchar(200) NULL,"
        " Year smallint NULL)"
    )

    # When transpiled
    create = ddl_to_sqlite(ddl)[-1]

    # Then each declared type names its converter and its storage affinity
    for column, declared in [
        ("Id", "INTEGER"),
        ("Flag", "BIT_INTEGER"),
        ("Amount", "DECIMAL_TEXT"),
        ("Rate", "DECIMAL_TEXT"),
        ("Day", "DATE_TEXT"),
        ("At", "DATETIME_TEXT"),
        ("Code", "TEXT"),
        ("Name", "TEXT"),
        ("Year", "INTEGER"),
    ]:
        assert re.search(rf"\b{column} {declared}\b", create), (column, declared, create)


def test_bit_casts_become_integer_casts() -> None:
    # Given a cast to bit in a query
    # When transpiled
    sql = to_sqlite("SELECT CAST(%(flag)s AS BIT) AS Flag")

    # Then SQLite casts to INTEGER (0/1)
    assert one_line(sql) == "SELECT CAST(:flag AS INTEGER) AS Flag"


def test_identity_primary_key_becomes_autoincrement() -> None:
    # Given an IDENTITY primary key
    ddl = "CREATE TABLE dbo.T (Id int IDENTITY(1, 1) NOT NULL PRIMARY KEY, Name nvarchar(20) NULL)"

    # When transpiled
    create = ddl_to_sqlite(ddl)[-1]

    # Then SQLite numbers rows the same way
    assert "Id INTEGER PRIMARY KEY AUTOINCREMENT" in create


def test_table_hints_and_top_are_translated() -> None:
    # Given SQL Server locking hints and TOP
    tsql = "SELECT TOP 1 x.AlternateEftId FROM dbo.AlternateEft AS x WITH (UPDLOCK, HOLDLOCK) ORDER BY x.AlternateEftId"

    # When transpiled
    sql = to_sqlite(tsql)

    # Then the hints are dropped (SQLite serialises writers anyway) and TOP is LIMIT
    assert "UPDLOCK" not in sql
    assert one_line(sql).endswith("LIMIT 1")


# ---- statement handling ----------------------------------------------------------------------------------------


def test_only_one_statement_per_query() -> None:
    # Given two statements in one text
    # When / Then
    with pytest.raises(TranspileError, match="exactly one"):
        to_sqlite("SELECT 1; SELECT 2")


def test_transpiling_is_cached_per_statement() -> None:
    # Given a statement transpiled once
    tsql = "SELECT a.AccountId FROM dbo.Account AS a WHERE a.AccountId = %(cache_probe)s"
    first = to_sqlite(tsql)
    hits = to_sqlite.cache_info().hits

    # When it is transpiled again
    second = to_sqlite(tsql)

    # Then the cached text is returned
    assert second == first
    assert to_sqlite.cache_info().hits == hits + 1


# ---- the real query set and DDL ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_is_valid_tsql(name: str) -> None:
    # Given a named query
    tsql = query_text(name)

    # When it is parsed as T-SQL (after the pyformat swap sqlglot needs)
    tree = parse_tsql(tsql)

    # Then sqlglot understood it as a real statement, not an opaque command
    assert not isinstance(tree, exp.Command), name
    assert "%(" not in tree.sql(dialect="tsql")


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_transpiles_to_sqlite(name: str) -> None:
    # Given a named query
    # When transpiled
    sql = to_sqlite(query_text(name))

    # Then nothing SQL Server-specific is left, and SQLite's parser accepts it
    for leftover in ("dbo.", "@@", "MIN_ACTIVE_ROWVERSION", "INSERTED.", "BINARY", "%("):
        assert leftover not in sql, (name, leftover)
    assert sqlglot.parse_one(sql, read="sqlite") is not None


def test_watermark_queries_exist_for_every_entity_and_are_bounded_and_ordered() -> None:
    # Given the synced entities
    for entity in ENTITIES:
        # When their changes/keys queries are read
        changes, keys = query_text(entity.changes_query), query_text(entity.keys_query)

        # Then the changes query reads the half-open window below MIN_ACTIVE_ROWVERSION, in RowVer order
        assert "RowVer > CAST(CAST(%(since)s AS BIGINT) AS BINARY(8))" in changes, entity.name
        assert "RowVer < CAST(CAST(%(upto)s AS BIGINT) AS BINARY(8))" in changes, entity.name
        assert "CAST(" in changes and "RowVer AS BIGINT) AS RowVer" in changes, entity.name
        assert one_line(changes).endswith("RowVer"), entity.name
        # and the keys query returns exactly the primary key
        selected = parse_tsql(keys).selects  # type: ignore[attr-defined]
        assert tuple(s.alias_or_name for s in selected) == entity.key_columns, entity.name


def test_brief_query_names_exist() -> None:
    # Given the names the sync and payment code rely on
    entities = [
        "account", "contact", "location", "contract", "contract_financial", "contract_role", "invoice",
        "amortization", "line_of_credit", "asset", "bank_account", "alternate_eft",
    ]  # fmt: skip
    expected = {"aspire_version", "insert_alternate_eft", "get_alternate_eft_by_portal_id", "cancel_alternate_eft"}
    expected |= {f"changes_{e}" for e in entities} | {f"keys_{e}" for e in entities}

    # Then every one is defined
    assert expected <= set(QUERIES)


def test_unknown_query_names_fail_clearly() -> None:
    with pytest.raises(KeyError, match="no ASPIRE query named 'changes_nothing'"):
        query_text("changes_nothing")


def test_the_ddl_parses_and_every_table_has_an_indexed_rowversion() -> None:
    # Given the T-SQL DDL
    trees = [t for t in sqlglot.parse(ddl_text(), read="tsql") if t is not None]

    # When its tables and indexes are listed
    tables = [t for t in trees if isinstance(t, exp.Create) and t.kind == "TABLE"]
    indexes = {one_line(t.sql(dialect="tsql")) for t in trees if isinstance(t, exp.Create) and t.kind == "INDEX"}

    # Then there are the 14 synced tables, each with RowVer rowversion NOT NULL and an index on it
    names = {t.this.this.name for t in tables}
    assert names == {
        "AspireVersion", "Account", "Contact", "Location", "Contract", "ContractFinancial", "ContractRole",
        "Invoice", "AmortizationSchedule", "LineOfCredit", "Asset", "BankAccount", "AlternateEft", "EftBatch",
        "PortalRestoreMarker",  # not synced: the restore marker the sync reads each run (restore_detection)
    }  # fmt: skip
    for table in tables:
        name = table.this.this.name
        if name == "PortalRestoreMarker":
            continue
        assert "RowVer ROWVERSION NOT NULL" in one_line(table.sql(dialect="tsql")), name
        if name != "AspireVersion":
            assert any(f"ON dbo.{name}(RowVer)" in index for index in indexes), name
