"""The sync queue end to end: the real `sync_daily` and `sync_worker` handlers over a moto SQS queue.

`sync_daily` runs on a Scheduler event and queues its chunks; the messages it queued are received from the
queue and handed to `sync_worker` as the SQS event source would; the run completes, moves the watermark and
writes the data. One-customer syncs take the same queue from the sign-in side.
"""

from __future__ import annotations

import importlib
import io
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest
from sync_kit import Aspire, portal_items

from local.events import LambdaContextStub, schedule_event, sqs_event
from portal.adapters.sqs import SqsChunkDispatcher
from portal.observability import logger
from portal.services.sync import SyncEngine
from portal.services.sync_messages import DispatchFailed
from portal.wiring import SyncWiring, Wiring


@pytest.fixture
def queue_url(wiring: SyncWiring, monkeypatch: pytest.MonkeyPatch) -> str:
    """The chunk queue of the deployed stack, named to the functions as the stack names it."""
    url = str(boto3.client("sqs").create_queue(QueueName="chunks")["QueueUrl"])
    monkeypatch.setenv("SYNC_CHUNK_QUEUE_URL", url)
    return url


def handler_module(name: str) -> ModuleType:
    """The function module as a fresh Lambda container loads it (its wiring bound to this test's AWS)."""
    return importlib.reload(importlib.import_module(f"{name}.app"))


def small_chunks(engine: Callable[[], SyncEngine], size: int = 1) -> Callable[[], SyncEngine]:
    def build() -> SyncEngine:
        built = engine()
        built.chunk_size = size  # many chunks from a small ASPIRE
        return built

    return build


def drain(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    received: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        received += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return received


def seed(aspire: Aspire, contracts: int) -> None:
    for n in range(1, contracts + 1):
        aspire.account(f"A-{n:02}", f"Customer {n}")
        aspire.contract(f"C-{n:02}", f"A-{n:02}")


def test_daily_handler_queues_chunks_that_the_worker_handler_completes(
    wiring: SyncWiring, aspire: Aspire, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an ASPIRE with 12 contracts and the two functions as deployed
    seed(aspire, 12)
    daily, worker = handler_module("sync_daily"), handler_module("sync_worker")
    monkeypatch.setattr(daily.wiring, "engine", small_chunks(daily.wiring.engine))
    # When the schedule fires the daily sync
    summary = daily.handler(schedule_event("daily-sync"), LambdaContextStub("sync_daily"))
    # Then the run is dispatched, every chunk is on the queue (more than one SendMessageBatch of 10), no data yet
    assert summary["status"] == "dispatched" and summary["chunks_total"] > 10
    messages = drain(queue_url)
    assert len(messages) == summary["chunks_total"] and portal_items() == {}
    # And no other run starts while the chunks hold the lease
    assert wiring.engine().run("incremental")["status"] == "skipped"
    # When the worker receives the chunks (in any order, a few per invocation)
    failures = []
    for start in range(0, len(messages), 5):
        response = worker.handler(sqs_event(reversed(messages[start : start + 5])), LambdaContextStub("sync_worker"))
        failures += response["batchItemFailures"]
    # Then every chunk succeeded, the last one completed the run and moved the watermark
    assert failures == []
    [run] = [r for r in wiring.sync_state.recent_runs() if r["run_id"] == summary["run_id"]]
    assert run["status"] == "succeeded" and run["chunks_done"] == run["chunks_total"]
    assert wiring.sync_state.watermarks()["daily"] == summary["upto"] - 1
    # And the data is on the site, and the lease is free again
    items = portal_items()
    assert ("S#summit#C#C-01", "CONTRACT") in items and ("S#summit#A#A-12", "C#C-12") in items
    assert wiring.engine().run("incremental")["status"] == "succeeded"


def test_a_customer_sync_queued_at_sign_in_is_run_by_the_worker(
    wiring: SyncWiring, aspire: Aspire, queue_url: str
) -> None:
    # Given a customer in ASPIRE that the portal has not synced yet
    seed(aspire, 2)
    worker = handler_module("sync_worker")
    # When enrollment asks for the customer's sync (as the login function's wiring does it)
    result = Wiring.from_env().customer_sync(["A-01"])
    assert result == {"accounts": ["A-01"], "queued": True} and portal_items() == {}
    # And the worker receives the message
    response = worker.handler(sqs_event(drain(queue_url)), LambdaContextStub("sync_worker"))
    # Then that customer's contracts and account are on the portal, nobody else's
    items = portal_items()
    assert response["batchItemFailures"] == []
    assert ("S#summit#C#C-01", "CONTRACT") in items and ("S#summit#A#A-01", "ACCOUNT") in items
    assert not any("C-02" in pk for pk, _ in items)


def test_a_full_run_staff_queued_is_planned_by_the_worker_and_its_chunks_complete_it(
    wiring: SyncWiring, aspire: Aspire, queue_url: str
) -> None:
    # Given two customers in ASPIRE, and the admin API's full-run message on the queue (as it sends it in AWS)
    from portal.services.admin_sync import QueuedFullSync

    seed(aspire, 2)
    worker = handler_module("sync_worker")
    QueuedFullSync(boto3.client("sqs"), queue_url)("staff-run-1")
    # When the worker receives it, Then it plans the run (under that id) and queues its chunks
    assert worker.handler(sqs_event(drain(queue_url)), LambdaContextStub("sync_worker"))["batchItemFailures"] == []
    [run] = [r for r in wiring.sync_state.recent_runs() if r["run_id"] == "staff-run-1"]
    assert run["job"] == "full" and run["status"] == "dispatched"
    # And when the worker receives those chunks, the run completes with the data on the site
    assert worker.handler(sqs_event(drain(queue_url)), LambdaContextStub("sync_worker"))["batchItemFailures"] == []
    assert wiring.sync_state.last_success("full")["run_id"] == "staff-run-1"  # type: ignore[index]
    assert ("S#summit#C#C-02", "CONTRACT") in portal_items()


@pytest.mark.parametrize(
    "body",
    [
        "not json: account 4111111111111111",
        '{"kind": "customer", "account_ids": []}',
        '{"kind": "chunk", "run_id": "r", "entity": "C"}',
        '{"kind": "refund", "account": "4111111111111111"}',
    ],
)
def test_a_malformed_message_fails_its_record_and_its_body_is_not_logged(
    wiring: SyncWiring, queue_url: str, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    worker = handler_module("sync_worker")
    event = sqs_event([{"MessageId": "m-bad", "Body": body}, '{"kind": "customer", "account_ids": ["A-9"]}'])
    caplog.set_level(logging.DEBUG)  # the batch utility's own records too
    log = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(log)  # the function's JSON log lines
    try:
        # When the worker receives a body no producer writes, next to a good message
        response = worker.handler(event, LambdaContextStub("sync_worker"))
    finally:
        handler.setStream(previous)
    # Then only that record fails (SQS redelivers it, then moves it to the dead-letter queue)
    assert response["batchItemFailures"] == [{"itemIdentifier": "m-bad"}]
    # And the log names the message, never what it carried
    written = log.getvalue() + caplog.text
    assert "m-bad" in written and "malformed sync message" in written
    assert "4111111111111111" not in written and body not in written


class FailsOnSecondBatch:
    """The moto queue's client, except that the second SendMessageBatch is refused entry by entry."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.batches = 0

    def send_message_batch(self, **kwargs: Any) -> dict[str, Any]:
        self.batches += 1
        if self.batches == 2:
            failed = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in kwargs["Entries"]]
            return {"Successful": [], "Failed": failed}
        result: dict[str, Any] = self._sqs.send_message_batch(**kwargs)
        return result


def test_when_queuing_fails_halfway_the_queued_chunks_keep_the_lease_and_never_complete_the_run(
    wiring: SyncWiring, aspire: Aspire, queue_url: str
) -> None:
    # Given a daily run of more than 10 chunks whose second batch of chunks cannot be queued
    seed(aspire, 12)
    engine = small_chunks(wiring.engine)()
    dispatcher = SqsChunkDispatcher(FailsOnSecondBatch(boto3.client("sqs")), queue_url)
    # When the run dispatches
    with pytest.raises(DispatchFailed, match="10 of"):
        engine.run("daily", dispatch=dispatcher)
    # Then the run is recorded failed with the count queued, and the lease stays with the queued chunks
    [run] = wiring.sync_state.recent_runs()
    assert run["status"] == "failed" and run["chunks_queued"] == 10 and run["chunks_total"] > 10
    assert wiring.engine().run("incremental")["status"] == "skipped"
    # When the workers process the ten queued chunks
    worker = handler_module("sync_worker")
    messages = drain(queue_url)
    assert len(messages) == 10
    for message in messages[:-1]:
        assert worker.handler(sqs_event([message]), LambdaContextStub("sync_worker"))["batchItemFailures"] == []
        # (the lease is held until the last queued chunk is done)
        assert wiring.engine().run("incremental")["status"] == "skipped"
    worker.handler(sqs_event(messages[-1:]), LambdaContextStub("sync_worker"))
    # Then the run stays failed and the watermark did not move, though the queued ranges were written
    [run] = [r for r in wiring.sync_state.recent_runs() if r["job"] == "daily"]
    assert run["status"] == "failed" and run["chunks_done"] == 10
    assert "daily" not in wiring.sync_state.watermarks()
    assert ("S#summit#C#C-01", "CONTRACT") in portal_items()
    # And once the last queued chunk is done, the lease is free for the next run
    assert wiring.engine().run("incremental")["status"] == "succeeded"
