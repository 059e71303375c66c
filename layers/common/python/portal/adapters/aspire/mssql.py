"""ASPIRE on SQL Server through pymssql: the production ``AspireSource``.

Credentials come from one Secrets Manager secret (JSON), fetched through Powertools parameters and cached for
5 minutes. Shape (docs/aspire-integration.md)::

    {"host": "aspire-sql.corp.example", "port": 1433, "user": "portal_reader", "password": "...",
     "database": "ASPIRE", "tds_version": "7.4"}

(``username``/``dbname`` are accepted for ``user``/``database``, as in RDS-managed secrets; ``tds_version``,
``login_timeout`` and ``query_timeout`` are optional.)

Connections are opened lazily and kept for the life of the Lambda container (at most two idle); a failed one is
closed and the next call opens a new one. TDS allows one pending result set per connection and pymssql silently
cancels it when another query runs, so a call made while a ``stream`` is still being read gets its own
connection instead of truncating the stream. Connections run in autocommit mode so an idle container holds no
transaction; ``execute`` wraps its statement in an explicit transaction. A login failure retries once with a
freshly fetched secret, so a rotated password takes effect without waiting for the cache to expire.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import pymssql
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

from portal.adapters.aspire.port import AspireError, AspireUnavailable, AspireWriteConflict
from portal.adapters.aspire.queries import query_text

__all__ = ["SECRET_MAX_AGE_S", "MssqlAspireSource"]

SECRET_MAX_AGE_S = 300
_DEFAULT_TDS_VERSION = "7.4"  # >= 7.3 so date/datetime2 columns arrive as datetime.date/datetime.datetime
_DEFAULT_LOGIN_TIMEOUT_S = 10
_DEFAULT_QUERY_TIMEOUT_S = 300
_APP_NAME = "customer-portal"
_DUPLICATE_KEY_ERRORS = frozenset({2601, 2627})  # unique index / UNIQUE or PRIMARY KEY constraint
_MAX_IDLE_CONNECTIONS = 2  # one for a stream being read, one for the calls made meanwhile


class MssqlAspireSource:
    def __init__(self, secret_id: str) -> None:
        if not secret_id:
            raise AspireUnavailable("no ASPIRE credentials secret is configured (ASPIRE_SECRET_ID is empty)")
        self.secret_id = secret_id
        self._idle: list[Any] = []

    # --- connection ------------------------------------------------------------------------------------------

    def _credentials(self, *, force_fetch: bool) -> dict[str, Any]:
        try:
            secret = parameters.get_secret(
                self.secret_id, transform="json", max_age=SECRET_MAX_AGE_S, force_fetch=force_fetch
            )
        except (GetParameterError, TransformParameterError) as error:
            raise AspireUnavailable(f"cannot read the ASPIRE credentials secret {self.secret_id!r}: {error}") from error
        if not isinstance(secret, dict):
            raise AspireUnavailable(f"the ASPIRE credentials secret {self.secret_id!r} is not a JSON object")
        return secret

    def _connect_args(self, secret: Mapping[str, Any]) -> dict[str, Any]:
        user = secret.get("user", secret.get("username"))
        database = secret.get("database", secret.get("dbname"))
        missing = [
            name
            for name, value in (
                ("host", secret.get("host")),
                ("user", user),
                ("password", secret.get("password")),
                ("database", database),
            )
            if not value
        ]
        if missing:
            raise AspireUnavailable(
                f"the ASPIRE credentials secret {self.secret_id!r} lacks {', '.join(missing)} "
                "(expected host, port, user, password, database)"
            )
        return {
            "server": str(secret["host"]),
            "port": str(secret.get("port") or 1433),
            "user": str(user),
            "password": str(secret["password"]),
            "database": str(database),
            "as_dict": True,
            "autocommit": True,
            "login_timeout": int(secret.get("login_timeout") or _DEFAULT_LOGIN_TIMEOUT_S),
            "timeout": int(secret.get("query_timeout") or _DEFAULT_QUERY_TIMEOUT_S),
            "tds_version": str(secret.get("tds_version") or _DEFAULT_TDS_VERSION),
            "appname": _APP_NAME,
        }

    def _open(self, secret: Mapping[str, Any]) -> Any:
        args = self._connect_args(secret)
        try:
            return pymssql.connect(**args)
        except pymssql.Error as error:
            raise AspireUnavailable(
                f"cannot connect to ASPIRE at {args['server']}:{args['port']} (database {args['database']}, "
                f"user {args['user']}): {_describe(error)}"
            ) from error

    def _connect(self) -> Any:
        cached = self._credentials(force_fetch=False)
        try:
            return self._open(cached)
        except AspireUnavailable:
            fresh = self._credentials(force_fetch=True)
            if fresh == cached:
                raise
            return self._open(fresh)  # the password was rotated since the secret was cached

    @contextlib.contextmanager
    def _borrow(self) -> Iterator[Any]:
        """A connection for one call. A call that finished cleanly gives it back for reuse; one that failed, or
        a stream abandoned half-read (its pending rows would be cancelled silently by the next query on that
        connection), closes it. A call made while a stream is still being read borrows a second connection."""
        conn = self._idle.pop() if self._idle else self._connect()
        reusable = False
        try:
            yield conn
            reusable = True
        except AspireError as error:
            # A refused statement leaves the connection usable (its transaction was rolled back); a lost one not.
            reusable = not isinstance(error, AspireUnavailable)
            raise
        finally:
            if reusable and len(self._idle) < _MAX_IDLE_CONNECTIONS:
                self._idle.append(conn)
            else:
                _close_quietly(conn)

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)

    @staticmethod
    def _params(params: Mapping[str, Any]) -> dict[str, Any] | None:
        # pymssql substitutes pyformat only when params are given; an empty mapping means "no parameters".
        return dict(params) if params else None

    # --- AspireSource ----------------------------------------------------------------------------------------

    def version(self) -> str:
        row = self.fetch_one("aspire_version", {})
        if row is None:
            raise AspireUnavailable("ASPIRE's AspireVersion view returned no row")
        return str(row["VersionNumber"]).strip()

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
        sql = query_text(query)
        with self._borrow() as conn:
            cursor = self._cursor(conn)
            self._run(cursor, sql, params)
            while rows := cursor.fetchmany(page_size):
                yield list(rows)

    def fetch_one(self, query: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        sql = query_text(query)
        with self._borrow() as conn:
            cursor = self._cursor(conn)
            self._run(cursor, sql, params)
            row = cursor.fetchone()
            while cursor.fetchone() is not None:  # drain, so the connection is clean for the next call
                pass
            return dict(row) if row is not None else None

    def execute(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        sql = query_text(query)
        with self._borrow() as conn:
            cursor = self._cursor(conn)
            self._run(cursor, "BEGIN TRANSACTION", {})
            try:
                self._run(cursor, sql, params)
                rows = [dict(row) for row in cursor.fetchall()] if cursor.description else []
                self._run(cursor, "COMMIT TRANSACTION", {})
            except BaseException:
                with contextlib.suppress(pymssql.Error):  # a broken connection is closed by _borrow anyway
                    cursor.execute("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION")
                raise
            return rows

    # --- plumbing --------------------------------------------------------------------------------------------

    @staticmethod
    def _cursor(conn: Any) -> Any:
        try:
            return conn.cursor()
        except pymssql.Error as error:
            raise AspireUnavailable(f"ASPIRE connection lost: {_describe(error)}") from error

    def _run(self, cursor: Any, sql: str, params: Mapping[str, Any]) -> None:
        try:
            cursor.execute(sql, self._params(params))
        except pymssql.IntegrityError as error:
            if _sql_error_number(error) in _DUPLICATE_KEY_ERRORS:
                raise AspireWriteConflict(_describe(error)) from error
            raise AspireError(f"ASPIRE refused the write: {_describe(error)}") from error
        except (pymssql.OperationalError, pymssql.InterfaceError) as error:
            raise AspireUnavailable(f"ASPIRE query failed: {_describe(error)}") from error


def _sql_error_number(error: BaseException) -> int | None:
    """SQL Server's error number: pymssql raises its errors with args ((number, b"message"),)."""
    first = error.args[0] if error.args else None
    if isinstance(first, tuple) and first and isinstance(first[0], int):
        return first[0]
    return None


def _close_quietly(conn: Any) -> None:
    with contextlib.suppress(pymssql.Error):  # already broken: nothing left to release
        conn.close()


def _describe(error: BaseException) -> str:
    """pymssql errors carry ((code, b"message"),) with DB-Lib's text on several lines: one readable line."""

    def flatten(value: object) -> list[str]:
        if isinstance(value, tuple | list):
            return [part for item in value for part in flatten(item)]
        if isinstance(value, bytes):
            return [value.decode("utf-8", errors="replace")]
        return [str(value)]

    text = " ".join(" ".join(flatten(error.args)).split())
    return text[:500] or type(error).__name__
