"""The real `payments_writer` handler over a moto SQS queue, as the event source mapping hands it records.

The payment is stored as the API stores it and announced with the API's message; the sweep's re-queue path
(`PAYMENTS_QUEUE_URL` set for the sync) goes through the same queue.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from writer_kit import World, alternate_efts

from local.events import LambdaContextStub, sqs_event
from portal.services.payment_messages import PaymentMessage
from portal.wiring import SyncWiring


@pytest.fixture
def queue_url(world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    sqs = boto3.client("sqs")
    dead = sqs.create_queue(QueueName="payments-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = str(sqs.create_queue(QueueName="payments")["QueueUrl"])
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{arn}", "maxReceiveCount": "5"}}'}
    )
    return url


def writer_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The function module as a fresh Lambda container of `payments_writer` loads it."""
    monkeypatch.setenv("_HANDLER", "payments_writer.app.handler")
    return importlib.reload(importlib.import_module("payments_writer.app"))


def drain(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    received: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        received += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return received


def announce(url: str, payment: dict[str, Any]) -> None:
    body = PaymentMessage(site_id=payment["site_id"], user_id=payment["user_id"], payment_id=payment["payment_id"])
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody=body.model_dump_json())


def test_the_handler_schedules_a_payment_announced_on_the_queue(
    world: World, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stored payment and the API's message on the queue
    payment = world.payments.store([("C-1", "A-1", "120.00")])
    announce(queue_url, payment)
    # When the writer's container handles what the event source mapping received
    writer = writer_module(monkeypatch)
    response = writer.handler(sqs_event(drain(queue_url), queue="payments"), LambdaContextStub("payments_writer"))
    # Then every record succeeded and the payment is Scheduled with its row in ASPIRE
    assert response == {"batchItemFailures": []}
    assert world.payments.get(payment["payment_id"])["status"] == "Scheduled"
    assert len(alternate_efts(world.aspire.source)) == 1


def test_an_outage_or_a_malformed_body_fails_only_its_record(
    world: World, queue_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a malformed body and a real payment while ASPIRE is down
    payment = world.payments.store([("C-1", "A-1", "120.00")])
    announce(queue_url, payment)
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody='{"kind": "payment", "site_id": "x\\u0000"}')
    world.outage(True)
    writer = writer_module(monkeypatch)
    received = drain(queue_url)
    # When the handler runs
    response = writer.handler(sqs_event(received, queue="payments"), LambdaContextStub("payments_writer"))
    # Then both records are reported failed (SQS redelivers them, then moves them to the dead-letter queue)
    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == {m["MessageId"] for m in received}
    assert world.payments.get(payment["payment_id"])["status"] == "Pending"
    # And after the outage the redelivered message schedules it
    world.outage(False)
    response = writer.handler(sqs_event(received[:1], queue="payments"), LambdaContextStub("payments_writer"))
    assert response == {"batchItemFailures": []}
    assert world.payments.get(payment["payment_id"])["status"] == "Scheduled"


def test_with_a_queue_the_sweep_re_queues_stale_payments_for_the_writer(
    world: World, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the sync configured with the payments queue (AWS) and a payment whose message was lost
    monkeypatch.setenv("PAYMENTS_QUEUE_URL", queue_url)
    payment = world.payments.store([("C-2", "A-1", "9.99")], age=timedelta(minutes=7))
    # When the incremental sync runs
    summary = SyncWiring.from_env().engine().run("incremental")
    # Then it queued the payment's message instead of writing it itself
    assert summary["payments_swept"] == 1
    assert world.payments.get(payment["payment_id"])["status"] == "Pending"
    messages = drain(queue_url)
    assert [PaymentMessage.model_validate_json(m["Body"]).payment_id for m in messages] == [payment["payment_id"]]
    # And the writer schedules it from there
    writer = writer_module(monkeypatch)
    writer.handler(sqs_event(messages, queue="payments"), LambdaContextStub("payments_writer"))
    assert world.payments.get(payment["payment_id"])["status"] == "Scheduled"
