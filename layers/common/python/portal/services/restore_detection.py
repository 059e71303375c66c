"""Restore detection beyond `@@DBTS < watermark`: SQL Server's restore history, or the DBA's restore marker.

`@@DBTS` falling below the stored watermark catches a restore only until ASPIRE has written past the old
watermark again; a restore followed by a busy hour goes unseen. So each run also reads when the database was
last restored, from the first source that answers:

1. `msdb.dbo.restorehistory` (query `restore_history`), when the portal's login may read it;
2. `dbo.PortalRestoreMarker` (query `restore_marker`), the row the DBA's restore runbook sets;

and compares it with the value the last successful run saw. Any change (later, or earlier: the marker table
itself came back from the backup) is a restore. Only values read from the same source are compared, never a
portal clock with SQL Server's (restorehistory is in the server's local time). The run records which source
was used, so an operator sees in `GET /admin/sync` whether detection relies on the rowversion check alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from portal.adapters.aspire.port import AspireSource
from portal.observability import logger

RestoreSource = Literal["restore_history", "restore_marker", "none"]
# Probed in this order; the first that answers is used.
PROBES: tuple[RestoreSource, ...] = ("restore_history", "restore_marker")


@dataclass(frozen=True)
class RestoreMarker:
    source: RestoreSource
    last_restore_at: str | None  # ISO text as read (no time zone conversion), None: no restore recorded

    def fields(self) -> dict[str, Any]:
        """What a run record (SYNCRUN) and a restore event (SYNCEVENT) carry."""
        return {"restore_source": self.source, "last_restore_at": self.last_restore_at}


def read_marker(source: AspireSource) -> RestoreMarker:
    for query in PROBES:
        try:
            row = source.fetch_one(query, {})
        except Exception as error:  # an optional capability: any refusal means "try the next source"
            # A login without SELECT on msdb, or no marker table installed yet. A real outage also lands here,
            # but then the run's next query fails with it; detection must not be the step that hides it.
            logger.info("restore source not readable", extra={"query": query, "error": type(error).__name__})
            continue
        value = row.get("LastRestoreAt") if row else None
        if isinstance(value, datetime):
            value = value.isoformat(sep=" ")
        return RestoreMarker(query, str(value) if value is not None else None)
    logger.warning("no restore source readable: restores are detected by rowversion only")
    return RestoreMarker("none", None)


def previous_marker(last_runs: Iterable[dict[str, Any] | None]) -> RestoreMarker | None:
    """The marker the most recent successful run (of any job) saw, None when none recorded one."""
    seen = [r for r in last_runs if r and r.get("restore_source") and r.get("ended_at")]
    if not seen:
        return None
    latest = max(seen, key=lambda r: str(r["ended_at"]))
    return RestoreMarker(latest["restore_source"], latest.get("last_restore_at"))


def restored_since(previous: RestoreMarker | None, current: RestoreMarker) -> bool:
    """A restore happened since `previous` was read. Unknown (no earlier value from this source): not flagged,
    the value is recorded and compared from the next run on."""
    if previous is None or current.source == "none" or previous.source != current.source:
        return False
    return current.last_restore_at != previous.last_restore_at
