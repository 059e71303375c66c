"""Sync status and the staff-started full run through the admin function."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.adapters.dynamodb.sync_state import DynamoSyncState
from portal.services.sync_messages import FullSyncMessage, read_sync_message
from tests.integration.admin.admin_kit import SUPPORT, admin
from tests.integration.identity.kit import World, client


def state(world: World) -> DynamoSyncState:
    return DynamoSyncState(world.wiring.dynamodb, world.wiring.settings.table_control)


def test_status_shows_last_runs_watermarks_lag_and_restore_events(world: World) -> None:
    # Given a successful incremental run ten minutes ago, a failed daily run, and a restore event
    now = world.clock()
    ended = (now - timedelta(minutes=10)).isoformat()
    state(world).put_run({"run_id": "r1", "job": "incremental", "started_at": ended, "ended_at": ended,
                          "status": "succeeded", "items_written": 3})  # fmt: skip
    state(world).put_run({"run_id": "r2", "job": "daily", "started_at": now.isoformat(), "status": "failed",
                          "errors": ["AspireUnavailable: timeout"]})  # fmt: skip
    state(world).set_watermarks({"incremental": 41}, now, "abc")
    state(world).record_event("restore_detected", now, {"db_rowversion": 5, "watermark": 9})
    # When support asks for the sync status
    status, body = admin("GET", "/admin/sync", claims=SUPPORT)
    # Then it shows them all, and the lag since the last successful incremental run
    assert status == 200, body
    assert body["last_success"]["incremental"]["items_written"] == 3 and "daily" not in body["last_success"]
    assert [r["run_id"] for r in body["recent_runs"]] == ["r2", "r1"]
    assert body["recent_runs"][0]["errors"] == ["AspireUnavailable: timeout"]
    assert body["watermarks"]["wm_incremental"] == 41 and body["lag_s"] == 600
    assert body["restore_events"][0]["kind"] == "restore_detected" and body["running"] is None


def test_a_full_run_is_409_while_another_run_holds_the_lease(world: World) -> None:
    assert state(world).acquire_lease("incremental-run", world.clock(), 900) is None
    status, body = admin("POST", "/admin/sync/full")
    assert (status, body["error"]["code"]) == (409, "sync_running")
    assert admin("GET", "/admin/sync")[1]["running"]["run_id"] == "incremental-run"


def test_locally_a_full_run_runs_in_the_background_through_the_engine(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an (empty) ASPIRE stand-in
    source = SqliteAspireSource(tmp_path / "aspire.db")
    source.create_schema()
    with source.write_transaction() as tx:
        tx.execute("INSERT INTO AspireVersion (VersionNumber) VALUES ('5.21.3')")
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(source.path))
    # When an admin starts a full run
    status, body = admin("POST", "/admin/sync/full")
    assert status == 202, body
    for thread in world.wiring.admin_sync._start.threads:  # type: ignore[attr-defined]
        thread.join(timeout=60)
    # Then that run (by the id answered) ran as a full resync and succeeded
    last = admin("GET", "/admin/sync")[1]["last_success"]["full"]
    assert last["run_id"] == body["run_id"] and last["full_resync"] is True
    source.close()


def sync_queue(world: World) -> tuple[Any, str]:
    """The admin function configured with the sync queue, as in AWS: the SQS client and the queue's URL."""
    from portal.services.admin_sync import QueuedFullSync

    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="sync-chunks")["QueueUrl"]
    object.__setattr__(world.wiring.admin_sync, "_start", QueuedFullSync(sqs, queue))
    return sqs, queue


def test_in_aws_a_full_run_is_a_message_the_sync_worker_reads(world: World) -> None:
    # Given the admin function configured with the sync queue (as in AWS)
    sqs, queue = sync_queue(world)
    # When an admin starts a full run
    status, body = admin("POST", "/admin/sync/full")
    # Then one `full` message carrying its run id is queued, in the worker's message model
    assert status == 202, body
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert read_sync_message(message["Body"]) == FullSyncMessage(run_id=body["run_id"])


def test_a_second_full_run_requested_before_the_first_started_is_409(world: World) -> None:
    # Given a full run requested in AWS: a message on the queue that no worker has read yet
    sqs, queue = sync_queue(world)
    status, first = admin("POST", "/admin/sync/full")
    assert status == 202, first
    # When an admin asks again (a double click) / Then it is 409 naming the requested run, and one message is queued
    status, body = admin("POST", "/admin/sync/full")
    assert (status, body["error"]["code"]) == (409, "sync_running")
    assert admin("GET", "/admin/sync")[1]["running"]["run_id"] == first["run_id"]
    assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]) == 1
    # And the requested run itself still takes the lease when the worker starts it
    assert state(world).acquire_lease(first["run_id"], world.clock(), 3 * 60 * 60) is None
