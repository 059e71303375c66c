"""The ASPIRE port: what the sync and payment use cases need from the servicing system.

Two adapters implement it: ``MssqlAspireSource`` (SQL Server through pymssql, in AWS) and
``SqliteAspireSource`` (the seeded demo file on a laptop and in tests). Both take a query NAME from
``queries.QUERIES``, never SQL text, and return rows as dicts keyed by column name with the same Python types:
``int`` (incl. rowversions), ``str``, ``decimal.Decimal``, ``datetime.date``, ``datetime.datetime`` (naive UTC),
``bool`` (bit) and ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "MINIMUM_ASPIRE_VERSION",
    "AlternateEftWrite",
    "AspireError",
    "AspireSource",
    "AspireUnavailable",
    "AspireWriteConflict",
    "aspire_version_supported",
    "create_alternate_eft",
    "parse_aspire_version",
]

MINIMUM_ASPIRE_VERSION: tuple[int, int, int] = (5, 20, 17)
_VERSION = re.compile(r"\s*(\d+)\.(\d+)\.(\d+)")


class AspireError(Exception):
    """Base class of the errors the ASPIRE adapters raise."""


class AspireUnavailable(AspireError):
    """ASPIRE cannot be reached: credentials missing/unreadable, connection refused, login failed, link dropped.

    Callers treat it as transient: the payment sweep retries, the sync run ends without moving its watermark.
    """


class AspireWriteConflict(AspireError):
    """A write hit a uniqueness guard (e.g. a second AlternateEft with the same PortalPaymentId).

    Other refused writes (a foreign key to a contract that does not exist, a CHECK constraint) raise plain
    ``AspireError``: they are bugs or stale data, not retries.
    """


@runtime_checkable
class AspireSource(Protocol):
    def version(self) -> str:
        """ASPIRE's version number, e.g. '5.21.3'."""
        ...

    def db_rowversion(self) -> int:
        """@@DBTS: the last rowversion used in the database (falls after a restore)."""
        ...

    def min_active_rowversion(self) -> int:
        """MIN_ACTIVE_ROWVERSION(): the lowest rowversion of a still-open transaction, or @@DBTS + 1."""
        ...

    def stream(self, query: str, params: Mapping[str, Any], page_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """The rows of a named query, page by page (fetchmany; never all rows at once)."""
        ...

    def fetch_one(self, query: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row of a named query, or None."""
        ...

    def execute(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a named write in one transaction; returns its OUTPUT rows."""
        ...


def parse_aspire_version(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version string like '5.21.3' (suffixes ignored), or None when unreadable."""
    match = _VERSION.match(version or "")
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def aspire_version_supported(version: str) -> bool:
    """True for ASPIRE 5.20.17 and later; an unreadable version is not supported."""
    parsed = parse_aspire_version(version)
    return parsed is not None and parsed >= MINIMUM_ASPIRE_VERSION


@dataclass(frozen=True)
class AlternateEftWrite:
    alternate_eft_id: int
    created: bool  # False: the row already existed for this portal payment id (a retry)


def create_alternate_eft(source: AspireSource, params: Mapping[str, Any]) -> AlternateEftWrite:
    """Create the Alternate EFT of one portal payment exactly once and return its id.

    ``params`` are those of ``insert_alternate_eft``. A retry (same ``portal_payment_id``) inserts nothing and
    returns the existing row's id; a concurrent duplicate that loses the race on the UNIQUE constraint does the
    same.
    """
    try:
        rows = source.execute("insert_alternate_eft", params)
    except AspireWriteConflict:
        rows = []
    if rows:
        return AlternateEftWrite(int(rows[0]["AlternateEftId"]), created=True)
    existing = source.fetch_one("get_alternate_eft_by_portal_id", {"portal_payment_id": params["portal_payment_id"]})
    if existing is None:
        payment_id = params["portal_payment_id"]
        raise AspireError(f"Alternate EFT for portal payment {payment_id} was neither created nor found")
    return AlternateEftWrite(int(existing["AlternateEftId"]), created=False)
