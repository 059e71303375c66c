"""ASPIRE stand-in on SQLite: the seeded demo file behind `make run`, and the tests' real ASPIRE adapter.

It runs the same named T-SQL queries as ``MssqlAspireSource``, transpiled by ``transpile.to_sqlite``.

Types: the schema's declared types (see ``transpile``) make sqlite3 give back what pymssql gives back.
``DECIMAL_TEXT`` columns have TEXT affinity, so "1234.50" is stored as written and read back as
``Decimal("1234.50")``: exact, scale kept. ``DATE_TEXT``/``DATETIME_TEXT`` are ISO-8601 text (so they compare
correctly as text) read back as ``date``/``datetime``; ``BIT_INTEGER`` is 0/1 read back as ``bool``. Parameters
are converted the other way by :func:`to_sqlite_param`.

Concurrency: the file is in WAL mode, so the CLI (simulator, seed restore) can write while the local server
reads. Each thread gets its own connection; writes take the write lock up front (BEGIN IMMEDIATE) and wait up to
``busy_timeout_s`` for it.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal.adapters.aspire.port import AspireError, AspireUnavailable, AspireWriteConflict
from portal.adapters.aspire.queries import ddl_text, query_text
from portal.adapters.aspire.transpile import (
    ACTIVE_ROWVERSIONS_TABLE,
    FORCED_ROWVERSION_TABLE,
    ROWVERSION_TABLE,
    ddl_to_sqlite,
    to_sqlite,
)

__all__ = ["OpenTransaction", "SqliteAspireSource", "to_sqlite_param"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _decode(value: bytes) -> str:
    return value.decode("utf-8")


# Converter names are deliberately unlike any common type name: sqlite3 converters are process-wide.
sqlite3.register_converter("DECIMAL_TEXT", lambda v: Decimal(_decode(v)))
sqlite3.register_converter("DATE_TEXT", lambda v: dt.date.fromisoformat(_decode(v)))
sqlite3.register_converter("DATETIME_TEXT", lambda v: dt.datetime.fromisoformat(_decode(v)))
sqlite3.register_converter("BIT_INTEGER", lambda v: bool(int(v)))


def to_sqlite_param(value: Any) -> Any:
    """A Python parameter as the SQLite stand-in stores it (the inverse of the converters above)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_sqlite_param(value) for name, value in params.items()}


def _identifier(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


class OpenTransaction:
    """Changes recorded inside ``SqliteAspireSource.open_transaction``; applied (with ``rowversion``) on exit."""

    def __init__(self, rowversion: int) -> None:
        self.rowversion = rowversion
        self._changes: list[tuple[str, tuple[Any, ...]]] = []

    def update(self, table: str, key_column: str, key_value: Any, **columns: Any) -> None:
        """Record ``UPDATE table SET columns WHERE key_column = key_value``."""
        if not columns:
            raise ValueError("update() needs at least one column to set")
        assignments = ", ".join(f"{_identifier(c)} = ?" for c in columns)
        sql = f"UPDATE {_identifier(table)} SET {assignments} WHERE {_identifier(key_column)} = ?"
        self._changes.append((sql, tuple(to_sqlite_param(v) for v in (*columns.values(), key_value))))

    def insert(self, table: str, **columns: Any) -> None:
        """Record ``INSERT INTO table (columns) VALUES (...)``."""
        names = ", ".join(_identifier(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {_identifier(table)} ({names}) VALUES ({marks})"
        self._changes.append((sql, tuple(to_sqlite_param(v) for v in columns.values())))

    @property
    def changes(self) -> list[tuple[str, tuple[Any, ...]]]:
        return list(self._changes)


class SqliteAspireSource:
    """``AspireSource`` over a SQLite file created from ddl.sql (``create_schema``) and seeded by local.aspire."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._memory_uri: str | None = None
        self._memory_anchor: sqlite3.Connection | None = None
        if str(path) == ":memory:":
            # One shared in-memory database for every thread of this instance, alive while the anchor is open.
            self._memory_uri = f"file:aspire-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self._memory_anchor = self._open()

    # --- connections -----------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        target = self._memory_uri or str(self.path)
        try:
            conn = sqlite3.connect(
                target,
                uri=self._memory_uri is not None,
                detect_types=sqlite3.PARSE_DECLTYPES,
                isolation_level=None,  # autocommit; writes use explicit BEGIN IMMEDIATE ... COMMIT
                timeout=self._busy_timeout_s,
            )
        except sqlite3.Error as error:
            raise AspireUnavailable(f"cannot open the ASPIRE demo database {target}: {error}") from error
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = OFF")  # the rowversion triggers rely on it
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use). For the local tools (seed, simulator) and tests."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (and the in-memory database's anchor)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._memory_anchor is not None:
            self._memory_anchor.close()
            self._memory_anchor = None

    @contextmanager
    def write_transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on this thread's connection."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- schema ----------------------------------------------------------------------------------------------

    def has_schema(self) -> bool:
        found = self.connection().execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (ROWVERSION_TABLE,)
        )
        return found.fetchone() is not None

    def create_schema(self) -> None:
        """Create every table, index and rowversion trigger of ddl.sql (no-op when the schema exists)."""
        conn = self.connection()
        if self._memory_uri is None:
            conn.execute("PRAGMA journal_mode = WAL")
        if self.has_schema():
            return
        with self.write_transaction() as tx:
            for statement in ddl_to_sqlite(ddl_text()):
                tx.execute(statement)

    # --- AspireSource ----------------------------------------------------------------------------------------

    def version(self) -> str:
        row = self.fetch_one("aspire_version", {})
        if row is None:
            raise AspireUnavailable(f"the ASPIRE demo database {self.path} has no AspireVersion row")
        return str(row["VersionNumber"])

    def db_rowversion(self) -> int:
        row = self.fetch_one("db_rowversion", {})
        assert row is not None
        return int(row["DbRowVersion"])

    def min_active_rowversion(self) -> int:
        row = self.fetch_one("min_active_rowversion", {})
        assert row is not None
        return int(row["MinActiveRowVersion"])

    def stream(self, query: str, params: Mapping[str, Any], page_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        cursor = self._run(query, params)
        try:
            names = [column[0] for column in cursor.description]
            while rows := cursor.fetchmany(page_size):
                yield [dict(zip(names, row, strict=True)) for row in rows]
        finally:
            cursor.close()

    def fetch_one(self, query: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        cursor = self._run(query, params)
        try:
            row = cursor.fetchone()
            if row is None:
                return None
            return dict(zip([column[0] for column in cursor.description], row, strict=True))
        finally:
            cursor.close()

    def execute(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        sql = to_sqlite(query_text(query))
        try:
            with self.write_transaction() as tx:
                cursor = tx.execute(sql, _params(params))
                rows = cursor.fetchall()  # OUTPUT (RETURNING) rows of one write: a handful, not a result set
                names = [column[0] for column in cursor.description or ()]
        except sqlite3.IntegrityError as error:
            if "UNIQUE" in str(error) or "PRIMARY KEY" in str(error):
                raise AspireWriteConflict(f"{query}: {error}") from error
            raise AspireError(f"ASPIRE refused the write {query}: {error}") from error
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _run(self, query: str, params: Mapping[str, Any]) -> sqlite3.Cursor:
        sql = to_sqlite(query_text(query))
        try:
            return self.connection().execute(sql, _params(params))
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                raise AspireUnavailable(
                    f"the ASPIRE demo database {self.path} has no schema (seed it first): {error}"
                ) from error
            raise

    # --- test helper: a long-running SQL Server transaction -----------------------------------------------------

    @contextmanager
    def open_transaction(self) -> Iterator[OpenTransaction]:
        """Simulate a SQL Server transaction that stays open while other writes commit.

        On enter the next rowversion N is reserved (the counter moves on, N joins __active_rowversions, so
        MIN_ACTIVE_ROWVERSION() <= N). Changes recorded on the yielded object stay invisible; writes made
        meanwhile get rowversions > N. On exit the changes are applied in one transaction with RowVer = N exactly
        and N is released, just as a late commit on SQL Server makes rows with an "old" rowversion appear. An
        exception inside the block rolls back: nothing is applied and N is released.
        """
        with self.write_transaction() as tx:
            tx.execute(f"UPDATE {ROWVERSION_TABLE} SET value = value + 1")
            reserved = int(tx.execute(f"SELECT value FROM {ROWVERSION_TABLE}").fetchone()[0])
            tx.execute(f"INSERT INTO {ACTIVE_ROWVERSIONS_TABLE} (rowver) VALUES (?)", (reserved,))
        transaction = OpenTransaction(reserved)
        try:
            yield transaction
        except BaseException:
            with self.write_transaction() as tx:
                tx.execute(f"DELETE FROM {ACTIVE_ROWVERSIONS_TABLE} WHERE rowver = ?", (reserved,))
            raise
        with self.write_transaction() as tx:
            tx.execute(f"UPDATE {FORCED_ROWVERSION_TABLE} SET value = ?", (reserved,))
            for sql, values in transaction.changes:
                tx.execute(sql, values)
            tx.execute(f"UPDATE {FORCED_ROWVERSION_TABLE} SET value = NULL")
            tx.execute(f"DELETE FROM {ACTIVE_ROWVERSIONS_TABLE} WHERE rowver = ?", (reserved,))
