"""ASPIRE on SQL Server through pymssql: the production ``AspireSource``.

Credentials come from one Secrets Manager secret (JSON), fetched through Powertools parameters and cached for
5 minutes. Shape (docs/aspire-integration.md)::

    {"host": "aspire-sql.corp.example", "port": 1433, "user": "portal_reader", "password": "...",
     "database": "ASPIRE", "tds_version": "7.4"}

(``username``/``dbname`` are accepted for ``user``/``database``, as in RDS-managed secrets; ``tds_version``,
``login_timeout`` and ``query_timeout`` are optional.)

The connection is opened lazily, kept for the life of the Lambda container and reopened after a failure. It runs
in autocommit mode so an idle container holds no transaction; ``execute`` wraps its statement in an explicit
transaction. A login failure retries once with a freshly fetched secret, so a rotated password takes effect
without waiting for the cache to expire.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import pymssql
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

from portal.adapters.aspire.port import AspireUnavailable, AspireWriteConflict
from portal.adapters.aspire.queries import query_text

__all__ = ["SECRET_MAX_AGE_S", "MssqlAspireSource"]

SECRET_MAX_AGE_S = 300
_DEFAULT_TDS_VERSION = "7.4"  # >= 7.3 so date/datetime2 columns arrive as datetime.date/datetime.datetime
_DEFAULT_LOGIN_TIMEOUT_S = 10
_DEFAULT_QUERY_TIMEOUT_S = 300
_APP_NAME = "customer-portal"


class MssqlAspireSource:
    def __init__(self, secret_id: str) -> None:
        if not secret_id:
            raise AspireUnavailable("no ASPIRE credentials secret is configured (ASPIRE_SECRET_ID is empty)")
        self.secret_id = secret_id
        self._conn: Any = None

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

    def _connection(self) -> Any:
        if self._conn is not None:
            return self._conn
        cached = self._credentials(force_fetch=False)
        try:
            self._conn = self._open(cached)
        except AspireUnavailable:
            fresh = self._credentials(force_fetch=True)
            if fresh == cached:
                raise
            self._conn = self._open(fresh)  # the password was rotated since the secret was cached
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(pymssql.Error):  # already broken; nothing to release
                conn.close()

    def close(self) -> None:
        self._drop_connection()

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
        """Pages of rows. One result set per connection at a time (TDS): consume or close before the next call."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        sql = query_text(query)
        cursor = self._cursor()
        try:
            self._run(cursor, sql, params)
            while rows := cursor.fetchmany(page_size):
                yield list(rows)
        finally:
            cursor.close()

    def fetch_one(self, query: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        sql = query_text(query)
        cursor = self._cursor()
        try:
            self._run(cursor, sql, params)
            row = cursor.fetchone()
            while cursor.fetchone() is not None:  # drain: TDS allows one pending result per connection
                pass
            return dict(row) if row is not None else None
        finally:
            cursor.close()

    def execute(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        sql = query_text(query)
        cursor = self._cursor()
        try:
            self._run(cursor, "BEGIN TRANSACTION", {})
            try:
                self._run(cursor, sql, params)
                rows = [dict(row) for row in cursor.fetchall()] if cursor.description else []
                self._run(cursor, "COMMIT TRANSACTION", {})
            except BaseException:
                self._rollback(cursor)
                raise
            return rows
        finally:
            cursor.close()

    # --- plumbing --------------------------------------------------------------------------------------------

    def _cursor(self) -> Any:
        try:
            return self._connection().cursor()
        except pymssql.Error as error:
            self._drop_connection()
            raise AspireUnavailable(f"ASPIRE connection lost: {_describe(error)}") from error

    def _run(self, cursor: Any, sql: str, params: Mapping[str, Any]) -> None:
        try:
            cursor.execute(sql, self._params(params))
        except pymssql.IntegrityError as error:
            raise AspireWriteConflict(_describe(error)) from error
        except (pymssql.OperationalError, pymssql.InterfaceError) as error:
            self._drop_connection()
            raise AspireUnavailable(f"ASPIRE query failed, connection reset: {_describe(error)}") from error

    def _rollback(self, cursor: Any) -> None:
        if self._conn is None:
            return  # the connection is gone, and with it the transaction
        try:
            cursor.execute("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION")
        except pymssql.Error:
            self._drop_connection()


def _describe(error: BaseException) -> str:
    """pymssql errors carry (code, bytes message) with DB-Lib's text on several lines: one readable line."""
    parts = [arg.decode("utf-8", errors="replace") if isinstance(arg, bytes) else str(arg) for arg in error.args]
    text = " ".join(" ".join(parts).split())
    return text[:500] or type(error).__name__
