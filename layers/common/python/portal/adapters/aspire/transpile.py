"""T-SQL -> SQLite for the local/test ASPIRE stand-in.

The ASPIRE queries are T-SQL, reviewed as T-SQL and run verbatim against SQL Server through pymssql. For the
laptop and the tests the SAME text goes through sqlglot (read="tsql", write="sqlite") plus the small post-pass
below, one named rule per SQL Server feature SQLite lacks. Each rule is a function over the sqlglot tree so it
can be tested on its own.

SQLite emulation of SQL Server's rowversion (created by :func:`ddl_to_sqlite`):

* ``__rowversion(value)``: one row, the database-wide counter; ``@@DBTS`` reads it (the last value used).
* every ``rowversion`` column becomes ``INTEGER NOT NULL DEFAULT 0`` and gets an AFTER INSERT and an
  AFTER UPDATE OF <every other column> trigger that bumps the counter and stamps the row. Listing the columns
  keeps the triggers' own ``UPDATE ... SET RowVer`` from firing the update trigger again.
* ``__active_rowversions(rowver)``: rowversions held by "open transactions" (see
  ``SqliteAspireSource.open_transaction``); ``MIN_ACTIVE_ROWVERSION()`` is their minimum, or ``@@DBTS + 1``.
* ``__forced_rowversion(value)``: one row, normally NULL. When set, the triggers stamp rows with that value and
  leave the counter alone: this is how a simulated long transaction commits its rows with the rowversion it
  reserved when it started.

Declared column types are chosen so Python's sqlite3 converters give back the same Python types pymssql does,
and so the storage affinity keeps values exact (see ``sqlite.py``): ``decimal``/``numeric``/``money`` ->
``DECIMAL_TEXT`` (TEXT affinity: "1234.50" stays "1234.50", read back as ``Decimal``), ``date`` -> ``DATE_TEXT``,
``datetime2``/``datetime`` -> ``DATETIME_TEXT`` (ISO text), ``bit`` -> ``BIT_INTEGER`` (INTEGER affinity, read
back as ``bool``). Because money is TEXT in SQLite, queries must not compare or add money columns in SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

__all__ = [
    "ACTIVE_ROWVERSIONS_TABLE",
    "FORCED_ROWVERSION_TABLE",
    "ROWVERSION_TABLE",
    "TranspileError",
    "binary_casts",
    "bit_casts",
    "column_types",
    "dbts",
    "ddl_to_sqlite",
    "emulation_tables",
    "min_active_rowversion",
    "output_to_returning",
    "parse_tsql",
    "post_pass",
    "rowversion_column",
    "rowversion_columns",
    "rowversion_triggers",
    "strip_dbo_schema",
    "swap_placeholders",
    "to_sqlite",
    "utc_now",
]

ROWVERSION_TABLE = "__rowversion"
ACTIVE_ROWVERSIONS_TABLE = "__active_rowversions"
FORCED_ROWVERSION_TABLE = "__forced_rowversion"

# pymssql's pyformat placeholder; sqlglot cannot parse it, so it is swapped for a T-SQL-parseable ":name".
_PYFORMAT = re.compile(r"%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)s")
_UTC_NOW_FUNCTIONS = frozenset({"GETUTCDATE", "SYSUTCDATETIME"})
# Same text format as the DATETIME_TEXT values the adapter writes ("YYYY-MM-DD HH:MM:SS.fff").
_SQLITE_UTC_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

T = exp.DType
_DECLARED_TYPES: dict[exp.DType, str] = {
    T.BIT: "BIT_INTEGER",
    T.DECIMAL: "DECIMAL_TEXT",
    T.MONEY: "DECIMAL_TEXT",
    T.SMALLMONEY: "DECIMAL_TEXT",
    T.DATE: "DATE_TEXT",
    T.DATETIME: "DATETIME_TEXT",
    T.DATETIME2: "DATETIME_TEXT",
    T.SMALLDATETIME: "DATETIME_TEXT",
    T.CHAR: "TEXT",
    T.NCHAR: "TEXT",
    T.VARCHAR: "TEXT",
    T.NVARCHAR: "TEXT",
    T.TEXT: "TEXT",
    T.TINYINT: "INTEGER",
    T.SMALLINT: "INTEGER",
    T.INT: "INTEGER",
    T.BIGINT: "INTEGER",
}
_ROWVERSION_TYPES = frozenset({T.ROWVERSION})
_BINARY_TYPES = frozenset({T.BINARY, T.VARBINARY, T.ROWVERSION})


class TranspileError(ValueError):
    """The T-SQL uses something the SQLite emulation cannot reproduce faithfully."""


# --- pre-pass (text) -----------------------------------------------------------------------------------------


def swap_placeholders(tsql: str) -> str:
    """``%(name)s`` -> ``:name`` and pyformat's escaped ``%%`` -> ``%``.

    ``:name`` parses in sqlglot's T-SQL dialect as a placeholder and is emitted unchanged for SQLite, which
    binds it from the same params mapping pymssql receives.
    """
    return _PYFORMAT.sub(lambda m: f":{m.group('name')}", tsql).replace("%%", "%")


# --- post-pass rules (tree) ----------------------------------------------------------------------------------


def strip_dbo_schema(node: exp.Expr) -> exp.Expr:
    """``dbo.Account`` -> ``Account``: SQLite has one schema per file."""
    if isinstance(node, exp.Table) and (node.text("db").casefold() == "dbo"):
        node.set("db", None)
        node.set("catalog", None)
    return node


def utc_now(node: exp.Expr) -> exp.Expr:
    """``GETUTCDATE()``/``SYSUTCDATETIME()`` -> ``(strftime('%Y-%m-%d %H:%M:%f', 'now'))`` (parenthesised, as a
    SQLite column DEFAULT requires). Queries should take times as parameters; DDL defaults may use these."""
    if isinstance(node, exp.Anonymous) and node.name.upper() in _UTC_NOW_FUNCTIONS:
        return exp.Paren(this=sqlglot.parse_one(_SQLITE_UTC_NOW, read="sqlite"))
    if isinstance(node, exp.CurrentTimestamp):
        # GETDATE() is local server time in SQL Server; nothing in ASPIRE's integration may depend on it.
        raise TranspileError("use GETUTCDATE()/SYSUTCDATETIME() or a parameter, not local server time")
    return node


def output_to_returning(node: exp.Expr) -> exp.Expr:
    """``OUTPUT INSERTED.col`` -> ``RETURNING col``.

    sqlglot already moves T-SQL's OUTPUT clause to a RETURNING clause; SQLite's RETURNING knows no
    ``INSERTED.``/``DELETED.`` prefixes. ``INSERTED.col`` is the new value in both; ``DELETED.col`` of an UPDATE
    (the old value) has no SQLite equivalent, so it is refused rather than silently changed into the new value.
    """
    if not isinstance(node, exp.Returning):
        return node
    for column in node.find_all(exp.Column):
        qualifier = column.text("table").upper()
        if qualifier == "INSERTED":
            column.set("table", None)
        elif qualifier == "DELETED":
            if isinstance(node.parent, exp.Delete):
                column.set("table", None)
            else:
                raise TranspileError("OUTPUT DELETED.<column> of an UPDATE cannot be emulated in SQLite")
    return node


def rowversion_column(node: exp.Expr) -> exp.Expr:
    """A ``rowversion`` column -> ``INTEGER NOT NULL DEFAULT 0``; the triggers from :func:`rowversion_triggers`
    stamp the real value right after the insert/update (the default only exists to satisfy NOT NULL)."""
    if isinstance(node, exp.ColumnDef) and _is_type(node.args.get("kind"), _ROWVERSION_TYPES):
        node.set("kind", exp.DataType.build("INTEGER", dialect="sqlite"))
        node.set(
            "constraints",
            [
                exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()),
                exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=exp.Literal.number(0))),
            ],
        )
    return node


def column_types(node: exp.Expr) -> exp.Expr:
    """Declared column types -> the SQLite declared types the adapter's converters know (module docstring)."""
    if isinstance(node, exp.ColumnDef):
        kind = node.args.get("kind")
        if isinstance(kind, exp.DataType) and kind.this in _DECLARED_TYPES:
            node.set("kind", exp.DataType.build(_DECLARED_TYPES[kind.this], udt=True))
    return node


def dbts(node: exp.Expr) -> exp.Expr:
    """``@@DBTS`` (last rowversion used in the database) -> the emulated counter's value."""
    if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Parameter) and node.this.name.upper() == "DBTS":
        return _subquery(f"SELECT value FROM {ROWVERSION_TABLE}")
    return node


def min_active_rowversion(node: exp.Expr) -> exp.Expr:
    """``MIN_ACTIVE_ROWVERSION()`` -> the lowest rowversion held by an open (simulated) transaction, else
    ``@@DBTS + 1``: exactly SQL Server's definition."""
    if isinstance(node, exp.Anonymous) and node.name.upper() == "MIN_ACTIVE_ROWVERSION":
        return _subquery(
            f"SELECT COALESCE(MIN(rowver), (SELECT value FROM {ROWVERSION_TABLE}) + 1) FROM {ACTIVE_ROWVERSIONS_TABLE}"
        )
    return node


def binary_casts(node: exp.Expr) -> exp.Expr:
    """``CAST(x AS BINARY(8))`` / ``VARBINARY`` / ``rowversion`` -> ``x``.

    On SQL Server the watermark is compared as ``RowVer > CAST(CAST(%(since)s AS BIGINT) AS BINARY(8))``,
    which keeps the predicate sargable on the RowVer index; in SQLite RowVer is an INTEGER already.
    """
    if isinstance(node, exp.Cast) and _is_type(node.args.get("to"), _BINARY_TYPES):
        return node.this
    return node


def bit_casts(node: exp.Expr) -> exp.Expr:
    """``CAST(x AS BIT)`` -> ``CAST(x AS INTEGER)``: SQLite has no bit type; 0/1 integers stand in."""
    if isinstance(node, exp.Cast) and _is_type(node.args.get("to"), frozenset({T.BIT})):
        node.set("to", exp.DataType.build("INTEGER", dialect="sqlite"))
    return node


_RULES: tuple[Callable[[exp.Expr], exp.Expr], ...] = (
    strip_dbo_schema,
    utc_now,
    output_to_returning,
    rowversion_column,
    column_types,
    dbts,
    min_active_rowversion,
    binary_casts,
    bit_casts,
)


def post_pass(tree: exp.Expr) -> exp.Expr:
    """Apply every rule, node by node, to a parsed T-SQL statement."""
    for rule in _RULES:
        tree = tree.transform(rule, copy=False)
    return tree


# --- entry points --------------------------------------------------------------------------------------------


def parse_tsql(tsql: str) -> exp.Expr:
    """Parse ONE T-SQL statement written with pymssql ``%(name)s`` parameters (raises sqlglot.ParseError)."""
    statements = [s for s in sqlglot.parse(swap_placeholders(tsql), read="tsql") if s is not None]
    if len(statements) != 1:
        raise TranspileError(f"expected exactly one T-SQL statement, got {len(statements)}")
    return statements[0]


@functools.lru_cache(maxsize=512)
def to_sqlite(tsql: str) -> str:
    """The SQLite text of ONE T-SQL statement (``%(name)s`` params become ``:name``). Cached per statement."""
    return post_pass(parse_tsql(tsql)).sql(dialect="sqlite", comments=False)


def rowversion_columns(create: exp.Create) -> tuple[str, list[str]] | None:
    """(rowversion column, other columns) of a parsed CREATE TABLE, or None when it has no rowversion column."""
    schema = create.this
    if not isinstance(schema, exp.Schema):
        return None
    columns = [c for c in schema.expressions if isinstance(c, exp.ColumnDef)]
    rowver = [c.name for c in columns if _is_type(c.args.get("kind"), _ROWVERSION_TYPES)]
    if not rowver:
        return None
    if len(rowver) > 1:
        raise TranspileError(f"table {schema.this.name} has more than one rowversion column")
    return rowver[0], [c.name for c in columns if c.name != rowver[0]]


def rowversion_triggers(table: str, rowver_column: str, other_columns: list[str]) -> list[str]:
    """AFTER INSERT and AFTER UPDATE OF <other columns> triggers that stamp ``rowver_column``.

    The counter only advances when no forced value is set (a simulated transaction committing with the
    rowversion it reserved earlier). Recursive triggers are off and the update trigger watches only the other
    columns, so the triggers' own ``SET RowVer`` does not fire them again: one write = one rowversion.
    """
    stamp = (
        f"UPDATE {ROWVERSION_TABLE} SET value = value + 1 "
        f"WHERE (SELECT value FROM {FORCED_ROWVERSION_TABLE}) IS NULL; "
        f"UPDATE {table} SET {rowver_column} = COALESCE((SELECT value FROM {FORCED_ROWVERSION_TABLE}), "
        f"(SELECT value FROM {ROWVERSION_TABLE})) WHERE rowid = NEW.rowid;"
    )
    return [
        f"CREATE TRIGGER trg_{table}_{rowver_column}_insert AFTER INSERT ON {table} BEGIN {stamp} END",
        f"CREATE TRIGGER trg_{table}_{rowver_column}_update AFTER UPDATE OF {', '.join(other_columns)} ON {table} "
        f"BEGIN {stamp} END",
    ]


def emulation_tables() -> list[str]:
    """The bookkeeping tables behind @@DBTS, MIN_ACTIVE_ROWVERSION() and forced (transaction) rowversions."""
    return [
        f"CREATE TABLE {ROWVERSION_TABLE} (value INTEGER NOT NULL)",
        f"INSERT INTO {ROWVERSION_TABLE} (value) VALUES (0)",
        f"CREATE TABLE {ACTIVE_ROWVERSIONS_TABLE} (rowver INTEGER PRIMARY KEY)",
        f"CREATE TABLE {FORCED_ROWVERSION_TABLE} (value INTEGER NULL)",
        f"INSERT INTO {FORCED_ROWVERSION_TABLE} (value) VALUES (NULL)",
    ]


def ddl_to_sqlite(ddl: str) -> list[str]:
    """The SQLite statements that build the schema of a T-SQL DDL script (``;``-separated, no ``GO``).

    Emulation tables first, then each statement transpiled, each CREATE TABLE with a rowversion column followed
    by its triggers.
    """
    statements = emulation_tables()
    for tree in sqlglot.parse(ddl, read="tsql"):
        if tree is None:
            continue
        shape = rowversion_columns(tree) if isinstance(tree, exp.Create) and tree.kind == "TABLE" else None
        sql = post_pass(tree).sql(dialect="sqlite", comments=False)
        if not sql.strip():
            continue
        statements.append(sql)
        if shape is not None:
            assert isinstance(tree, exp.Create)
            table = tree.this.this.name
            statements.extend(rowversion_triggers(table, shape[0], shape[1]))
    return statements


# --- helpers -------------------------------------------------------------------------------------------------


def _is_type(node: exp.Expr | None, types: frozenset[exp.DType]) -> bool:
    return isinstance(node, exp.DataType) and node.this in types


def _subquery(sql: str) -> exp.Expr:
    return exp.Subquery(this=sqlglot.parse_one(sql, read="sqlite"))
