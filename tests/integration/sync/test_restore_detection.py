"""Restore detection that a restore followed by new ASPIRE writes cannot fool (issue #12).

`@@DBTS < watermark` sees a restore only until ASPIRE writes past the old watermark again; the sync also reads
the last restore time (msdb restorehistory when readable, else the DBA's PortalRestoreMarker) and compares it
with the value its last successful run saw.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sync_kit import Aspire, portal_items

from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.observability import metrics
from portal.services.sync import SyncRefused
from portal.wiring import SyncWiring


class WithRestoreHistory(SqliteAspireSource):
    """SQLite has no msdb: this answers `restore_history` the way SQL Server does for a login that may read it
    (the only query faked; everything else is the real SQLite ASPIRE)."""

    def __init__(self, path: Path, history: dict[str, Any]) -> None:
        super().__init__(path)
        self.history = history

    def fetch_one(self, query: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        if query == "restore_history":
            return dict(self.history)
        return super().fetch_one(query, params)


def run(wiring: SyncWiring, source: SqliteAspireSource | None = None) -> dict[str, Any]:
    engine = wiring.engine()
    if source is not None:
        engine.source = source
    return engine.run("incremental")


def _backup(aspire: Aspire, to: Path) -> None:
    with sqlite3.connect(to) as target:
        aspire.source.connection().backup(target)


def _restore(aspire: Aspire, backup: Path) -> None:
    with sqlite3.connect(backup) as source:
        source.backup(aspire.source.connection())


def _write_past_the_old_watermark(aspire: Aspire, wiring: SyncWiring) -> None:
    """ASPIRE keeps working after the restore: enough writes to move @@DBTS beyond the portal's watermark."""
    watermark = max(wiring.sync_state.watermarks().values())
    n = 0
    while aspire.source.db_rowversion() <= watermark + 1:
        n += 1
        aspire.sql("UPDATE Account SET Name = ? WHERE AccountId = 'A-1'", f"Acme {n}")


def _mark_restore(aspire: Aspire, at: str) -> None:
    aspire.sql("INSERT OR REPLACE INTO PortalRestoreMarker (MarkerId, LastRestoreAt) VALUES (1, ?)", at)


@pytest.fixture
def synced_then_restored(wiring: SyncWiring, aspire: Aspire, tmp_path: Path) -> Path:
    """A backup taken, then changes the portal synced (C-2), then the restore of that backup and new writes."""
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    backup = tmp_path / "backup.db"
    _backup(aspire, backup)
    assert run(wiring)["status"] == "succeeded"
    aspire.contract("C-2", "A-1")
    run(wiring)
    assert ("S#summit#C#C-2", "CONTRACT") in portal_items()
    _restore(aspire, backup)
    _write_past_the_old_watermark(aspire, wiring)
    return backup


def test_a_restore_followed_by_new_writes_is_seen_through_the_dbas_marker(
    wiring: SyncWiring, aspire: Aspire, synced_then_restored: Path
) -> None:
    # Given the restore followed by writes past the old watermark, and the DBA's runbook set the marker
    assert aspire.source.db_rowversion() > max(wiring.sync_state.watermarks().values())
    _mark_restore(aspire, "2026-12-01 03:00:00")
    # When the next incremental runs
    summary = run(wiring)
    # Then it detects the restore from the marker, resyncs everything, and the portal matches the source
    assert summary["restore_detected"] is True and summary["full_resync"] is True
    assert summary["restore_source"] == "restore_marker"
    assert summary["last_restore_at"].startswith("2026-12-01 03:00:00")
    assert not any("C-2" in pk for pk, _ in portal_items())
    # And the operator sees why in the sync events and runs (GET /admin/sync reads these items)
    event = wiring.sync_state.events()[0]
    assert event["kind"] == "restore_detected" and event["detected_by"] == "restore_marker"
    assert wiring.sync_state.recent_runs()[0]["restore_source"] == "restore_marker"
    # And the run after it is an ordinary incremental again
    after = run(wiring)
    assert after["restore_detected"] is False and after["full_resync"] is False


def test_without_any_restore_time_the_same_restore_goes_unseen(
    wiring: SyncWiring, aspire: Aspire, synced_then_restored: Path
) -> None:
    # Given the DBA skipped the marker step (the hole the marker closes)
    # When the next incremental runs
    summary = run(wiring)
    # Then the rowversion check alone is fooled: no restore, and the restored-away contract stays
    assert summary["restore_detected"] is False
    assert ("S#summit#C#C-2", "CONTRACT") in portal_items()


def test_restore_history_is_preferred_when_the_login_may_read_it(
    wiring: SyncWiring, aspire: Aspire, synced_then_restored: Path
) -> None:
    # Given a login that may read msdb.dbo.restorehistory, which knew an earlier restore at the last run
    history = {"LastRestoreAt": "2026-11-02 01:00:00"}
    source = WithRestoreHistory(aspire.source.path, history)
    baseline = run(wiring, source)  # records what it sees (and heals nothing: the marker never moved)
    assert baseline["restore_source"] == "restore_history" and baseline["restore_detected"] is False
    # When the database is restored again: restorehistory has a new row, the marker table is not touched
    _restore(aspire, synced_then_restored)
    _write_past_the_old_watermark(aspire, wiring)
    history["LastRestoreAt"] = "2026-12-01 03:00:00"
    summary = run(wiring, source)
    # Then the restore is detected from the restore history
    assert summary["restore_detected"] is True and summary["restore_source"] == "restore_history"
    assert wiring.sync_state.events()[0]["detected_by"] == "restore_history"


def test_a_marker_present_at_the_first_run_is_the_baseline_not_a_restore(wiring: SyncWiring, aspire: Aspire) -> None:
    # Given the DBA installed the marker with the date of an old restore before the portal's first sync
    _mark_restore(aspire, "2020-01-01 00:00:00")
    aspire.account("A-1", "Acme")
    run(wiring)
    # When the next run happens
    summary = run(wiring)
    # Then the unchanged value is no restore: an ordinary incremental
    assert summary["restore_detected"] is False and summary["full_resync"] is False
    assert summary["last_restore_at"].startswith("2020-01-01")


def test_a_marker_row_that_appears_after_syncing_is_a_restore(wiring: SyncWiring, aspire: Aspire) -> None:
    # Given the portal synced while the marker table was empty (never restored)
    aspire.account("A-1", "Acme")
    run(wiring)
    # When the runbook writes the row after a restore, and the next runs happen
    _mark_restore(aspire, "2026-12-01 03:00:00")
    first, second = run(wiring), run(wiring)
    # Then the first detects it, and the value becomes the baseline of the next
    assert first["restore_detected"] is True and first["full_resync"] is True
    assert second["restore_detected"] is False


def test_without_a_readable_restore_source_the_run_says_so_and_still_syncs(wiring: SyncWiring, aspire: Aspire) -> None:
    # Given no restorehistory (SQLite has no msdb) and no marker table installed by the DBA
    aspire.sql("DROP TABLE PortalRestoreMarker")
    aspire.account("A-1", "Acme")
    # When the sync runs
    summary = run(wiring)
    # Then it succeeds and records that restores are detected by rowversion only
    assert summary["status"] == "succeeded" and summary["restore_source"] == "none"
    assert wiring.sync_state.recent_runs()[0]["restore_source"] == "none"


def test_a_failed_run_publishes_run_failed_for_its_job(wiring: SyncWiring, aspire: Aspire) -> None:
    # Given an ASPIRE the sync refuses (the run raises, so the handler never reaches its own publish)
    aspire.sql("UPDATE AspireVersion SET VersionNumber = '4.0.0'")
    metrics.clear_metrics()
    # When the run fails
    with pytest.raises(SyncRefused):
        run(wiring)
    # Then run_failed is among the metrics the handler's log_metrics flushes, with the job dimension
    try:
        assert metrics.metric_set["run_failed"]["Value"] == [1.0]
        assert metrics.dimension_set["job"] == "incremental"
    finally:
        metrics.clear_metrics()
