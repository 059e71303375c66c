"""The sync over the seeded demo ASPIRE and its activity simulator, as `portal-local` drives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from sync_kit import portal_items

from local.aspire import simulator
from local.aspire.personas import DEMO_SITES
from local.aspire.seed import seed
from portal.adapters.dynamodb.sync_state import ChunkProgress
from portal.domain.settings import Site
from portal.wiring import SyncWiring


@pytest.fixture
def demo(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[SyncWiring, Path]:
    db = tmp_path / "aspire.db"
    seed(db, scale=120)
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(db))
    wiring = SyncWiring.from_env()
    for spec in DEMO_SITES:
        wiring.sites.put_site(Site.model_validate(spec))
    return wiring, db


def test_booked_contract_reaches_the_right_site_on_the_next_incremental(demo: tuple[SyncWiring, Path]) -> None:
    wiring, db = demo
    wiring.engine().run("full")
    # When ASPIRE books a contract with the AGRI label for an account
    booked = simulator.book_contract(db, "A-000001", label="AGRI")
    summary = wiring.engine().run("incremental")
    # Then it is on the harvest site, linked from the account
    contract_id = booked["contract_id"]
    items = portal_items()
    assert summary["full_resync"] is False and summary["items_written"] > 0
    assert (f"S#harvest#C#{contract_id}", "CONTRACT") in items
    assert ("S#harvest#A#A-000001", f"C#{contract_id}") in items


def test_restore_snapshot_is_detected_and_healed_in_one_run(demo: tuple[SyncWiring, Path]) -> None:
    wiring, db = demo
    wiring.engine().run("full")
    after_seed = _comparable(portal_items())
    booked = simulator.book_contract(db, "A-000001")
    simulator.terminate_contract(db, "CN-0001003")
    wiring.engine().run("incremental")
    assert _comparable(portal_items()) != after_seed
    # When the database is restored to the snapshot taken right after seeding
    simulator.restore_snapshot(db)
    summary = wiring.engine().run("incremental")
    # Then one run detects it, resyncs, and the portal is back to what the restored source says
    assert summary["restore_detected"] is True and summary["full_resync"] is True
    assert _comparable(portal_items()) == after_seed
    assert not any(booked["contract_id"] in pk for pk, _ in portal_items())


def test_daily_chunks_on_sqs_complete_the_run_and_converge(demo: tuple[SyncWiring, Path]) -> None:
    # Given the chunk queue of the deployed stack
    wiring, db = demo
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="chunks")["QueueUrl"]
    wiring.engine().run("full")
    simulator.set_label(db, "CN-0001002", "MED")
    engine = wiring.engine()
    engine.chunk_size = 50  # several chunks even for a small dataset

    def dispatch(run_id: str, started_at: str, chunks: list[Any]) -> bool:
        for chunk in chunks:
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(chunk.message(run_id, started_at)))
        return True

    # When the daily run dispatches its chunks
    summary = engine.run("daily", dispatch=dispatch)
    assert summary["status"] == "dispatched" and summary["chunks_total"] > 2
    # Then a second run cannot start while the workers hold the lease
    assert wiring.engine().run("incremental")["status"] == "skipped"
    # And the workers (in any order) finish the run
    progress = ChunkProgress(wiring.dynamodb, wiring.settings.table_control)
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        messages += batch
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    finished = [wiring.engine().finish_chunk(json.loads(m["Body"]), progress) for m in reversed(messages)]
    completed = [f for f in finished if f is not None]
    assert len(completed) == 1 and completed[0]["status"] == "succeeded"  # only the last chunk completes the run
    runs = wiring.sync_state.recent_runs()
    assert runs[0]["status"] == "succeeded" and runs[0]["chunks_done"] == runs[0]["chunks_total"]
    items = portal_items()
    assert ("S#careline#C#CN-0001002", "CONTRACT") in items
    assert wiring.engine().run("incremental")["status"] == "succeeded"  # lease released


def _comparable(items: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return dict(sorted(items.items()))
