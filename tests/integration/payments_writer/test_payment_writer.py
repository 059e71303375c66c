"""The payments writer against a real (SQLite) ASPIRE and moto: Pending -> Scheduled, cancels, races, outages.

The payments are stored as the API stores them (writer_kit); the writer, the sync's sweep and read-back are
the real ones. Fakes appear only where a real part cannot fail on demand (a crash between two writes).
"""

from __future__ import annotations

import email
import email.policy
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from writer_kit import ACCOUNT_NUMBER, ROUTING, World, alternate_efts

from local.aspire import simulator
from portal.adapters.aspire.port import AspireUnavailable
from portal.adapters.dynamodb.payment_ledger import DynamoPaymentLedger
from portal.services.identity.models import User, UserStatus
from portal.services.payment_writer import PaymentWriter


def write(world: World, payment: dict[str, Any]) -> str:
    return world.wiring.payment_writer.handle(payment["site_id"], payment["user_id"], payment["payment_id"])


def test_a_pending_payment_becomes_one_alternate_eft_per_allocation_and_scheduled(world: World) -> None:
    # Given a Pending payment over two contracts from a business account
    payment = world.payments.store([("C-1", "A-1", "1000.00"), ("C-2", "A-1", "250.50")], owner_type="business")
    # When the writer handles its message
    assert write(world, payment) == "scheduled"
    # Then ASPIRE holds one AlternateEft per allocation, with the decrypted account number and the CCD code
    rows = alternate_efts(world.aspire.source)
    assert [(r["ContractId"], Decimal(r["Amount"]), r["PortalPaymentId"]) for r in rows] == [
        ("C-1", Decimal("1000.00"), f"{payment['payment_id']}-1"),
        ("C-2", Decimal("250.50"), f"{payment['payment_id']}-2"),
    ]
    assert {(r["RoutingNumber"], r["AccountNumber"], r["AccountType"], r["SecCode"], r["Status"]) for r in rows} == {
        (ROUTING, ACCOUNT_NUMBER, "Checking", "CCD", "Pending")
    }
    # And the payment is Scheduled with each allocation's AlternateEft id, a history entry, a new version
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Scheduled" and stored["version"] == 2
    assert [a["alternate_eft_id"] for a in stored["allocations"]] == [r["AlternateEftId"] for r in rows]
    assert stored["history"][-1]["status"] == "Scheduled" and stored["history"][-1]["by"] == "writer"
    # And its outbox item is gone (the sweep has nothing left to do for it)
    assert world.payments.outbox() == []
    # And a duplicate message changes nothing
    assert write(world, payment) == "nothing_to_do"
    assert len(alternate_efts(world.aspire.source)) == 2


class CrashingLedger(DynamoPaymentLedger):
    """The process dies once between the ASPIRE insert and the Scheduled write (DynamoDB cannot fail on demand)."""

    crashes = 1

    def transition(self, payment: Any, status: str, **kwargs: Any) -> dict[str, Any]:
        if self.crashes:
            self.crashes -= 1
            raise RuntimeError("Lambda timed out")
        return super().transition(payment, status, **kwargs)


def test_a_crash_after_the_aspire_insert_retries_into_the_same_rows(world: World) -> None:
    # Given a Pending payment and a writer that crashes right after inserting into ASPIRE
    payment = world.payments.store([("C-1", "A-1", "500.00")])
    wiring = world.wiring
    ledger = CrashingLedger(wiring.dynamodb, wiring.settings.table_payments)
    crashing = PaymentWriter(ledger, wiring.aspire, wiring.payment_writer.cipher)
    with pytest.raises(RuntimeError):
        crashing.handle(payment["site_id"], payment["user_id"], payment["payment_id"])
    assert len(alternate_efts(world.aspire.source)) == 1
    assert world.payments.get(payment["payment_id"])["status"] == "Pending"
    # When the message is delivered again
    assert crashing.handle(payment["site_id"], payment["user_id"], payment["payment_id"]) == "scheduled"
    # Then no second row exists and the payment points at the first one
    [row] = alternate_efts(world.aspire.source)
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Scheduled" and stored["allocations"][0]["alternate_eft_id"] == row["AlternateEftId"]


def test_aspire_down_leaves_the_payment_pending_until_the_sync_sweeps_it(world: World) -> None:
    # Given the incremental sync has run once (it has a watermark) and a payment stored 10 minutes ago
    assert world.wiring.engine().run("incremental")["status"] == "succeeded"
    payment = world.payments.store([("C-1", "A-1", "75.00")], age=timedelta(minutes=10))
    # When ASPIRE is unreachable as the writer handles the message
    world.outage(True)
    with pytest.raises(AspireUnavailable):
        write(world, payment)
    # Then the payment stays Pending, in the outbox, saying why and since when
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Pending" and stored["version"] == 1
    assert stored["last_error"].startswith("ASPIRE unreachable since ")
    assert len(world.payments.outbox()) == 1
    # And a second failure keeps the first "since"
    with pytest.raises(AspireUnavailable):
        write(world, payment)
    assert world.payments.get(payment["payment_id"])["last_error"] == stored["last_error"]
    # And a sync while ASPIRE is down fails without touching the payment
    with pytest.raises(AspireUnavailable):
        world.wiring.engine().run("incremental")
    # When ASPIRE comes back and the next incremental sync runs
    world.outage(False)
    summary = world.wiring.engine().run("incremental")
    # Then the sweep wrote it: Scheduled, in ASPIRE, out of the outbox, last_error cleared
    assert summary["payments_swept"] == 1
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Scheduled" and "last_error" not in stored
    assert [r["PortalPaymentId"] for r in alternate_efts(world.aspire.source)] == [f"{payment['payment_id']}-1"]
    assert world.payments.outbox() == []


def test_the_sweep_leaves_payments_younger_than_its_delay(world: World) -> None:
    # Given a payment stored a moment ago (its message is on its way)
    payment = world.payments.store([("C-1", "A-1", "75.00")])
    # When the incremental sync runs
    summary = world.wiring.engine().run("incremental")
    # Then the sweep did not touch it
    assert summary["payments_swept"] == 0
    assert world.payments.get(payment["payment_id"])["status"] == "Pending"


def test_cancel_of_a_scheduled_payment_cancels_it_in_aspire_and_the_portal(world: World) -> None:
    # Given a Scheduled payment whose user asked to cancel it (the API moved it to Pending Cancel)
    payment = world.payments.store([("C-1", "A-1", "300.00"), ("C-2", "A-1", "20.00")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    # When the writer handles the cancel message
    assert write(world, payment) == "canceled"
    # Then both AlternateEft rows are Canceled in ASPIRE
    assert {r["Status"] for r in alternate_efts(world.aspire.source)} == {"Canceled"}
    # And the payment is Canceled, by the user who asked, out of the outbox
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Canceled" and stored["canceled_by"] == "user" and stored["canceled_at"]
    assert [h["status"] for h in stored["history"]] == ["Pending", "Scheduled", "Pending Cancel", "Canceled"]
    assert world.payments.outbox() == []
    # And a later EFT run collects nothing
    assert simulator.eft_run(world.aspire.source.path, datetime.now(UTC))["picked_up"] == 0


def test_a_cancel_that_an_eft_run_overtook_ends_paid_never_canceled(world: World) -> None:
    # Given a Scheduled payment, the API accepted its cancel (202) just as an EFT run picked it up and posted it
    payment = world.payments.store([("C-1", "A-1", "300.00")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    simulator.eft_run(world.aspire.source.path, datetime.now(UTC))
    # When the writer handles the cancel
    assert write(world, payment) == "cancel_refused_paid"
    # Then ASPIRE collects (the row stays Processed) and the portal says Paid, with a note why
    assert [r["Status"] for r in alternate_efts(world.aspire.source)] == ["Processed"]
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Paid" and "canceled_at" not in stored
    assert "EFT run" in stored["history"][-1]["note"]
    assert stored["allocations"][0]["eft_status"] == "paid"
    assert world.payments.outbox() == []


def test_a_cancel_picked_up_but_not_yet_posted_goes_back_to_scheduled(world: World) -> None:
    # Given a Pending Cancel payment whose row an EFT run took into a batch not posted yet
    payment = world.payments.store([("C-1", "A-1", "300.00")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    world.aspire.sql("INSERT INTO EftBatch (GeneratedAt) VALUES ('2026-12-01 12:00:00')")
    world.aspire.sql("UPDATE AlternateEft SET Status = 'Processed', EftBatchId = 1")
    # When the writer handles the cancel
    assert write(world, payment) == "cancel_refused_scheduled"
    # Then the payment is Scheduled again, its allocation marked picked up (the API's next cancel answers 409)
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Scheduled" and stored["allocations"][0]["eft_status"] == "picked_up"


class CancelingLedger(DynamoPaymentLedger):
    """The API cancels the Pending payment while the writer is inserting its rows."""

    def __init__(self, world: World) -> None:
        super().__init__(world.wiring.dynamodb, world.wiring.settings.table_payments)
        self.world = world

    def transition(self, payment: Any, status: str, **kwargs: Any) -> dict[str, Any]:
        if status == "Scheduled" and payment["status"] == "Pending":
            self.world.payments.cancel_pending(payment["payment_id"])
        return super().transition(payment, status, **kwargs)


def test_a_pending_payment_canceled_during_the_insert_is_taken_back_out_of_aspire(world: World) -> None:
    # Given a Pending payment the user cancels while the writer inserts it
    payment = world.payments.store([("C-1", "A-1", "40.00")])
    writer = PaymentWriter(CancelingLedger(world), world.wiring.aspire, world.wiring.payment_writer.cipher)
    # When the writer runs
    assert writer.handle(payment["site_id"], payment["user_id"], payment["payment_id"]) == "canceled"
    # Then the inserted row is canceled in ASPIRE and the payment stays Canceled
    assert [r["Status"] for r in alternate_efts(world.aspire.source)] == ["Canceled"]
    assert world.payments.get(payment["payment_id"])["status"] == "Canceled"


def test_the_incremental_sync_reads_back_posted_runs_as_paid(world: World) -> None:
    # Given a Scheduled payment and a sync that has run since
    assert world.wiring.engine().run("incremental")["status"] == "succeeded"
    payment = world.payments.store([("C-1", "A-1", "100.00"), ("C-2", "A-1", "200.00")])
    write(world, payment)
    # When an EFT run picks it up and posts it, and the incremental sync runs
    simulator.eft_run(world.aspire.source.path, datetime.now(UTC))
    summary = world.wiring.engine().run("incremental")
    # Then the payment is Paid, by the sync, every allocation marked paid
    assert summary["payments_paid"] == 1
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Paid" and stored["history"][-1]["by"] == "sync"
    assert {a["eft_status"] for a in stored["allocations"]} == {"paid"}
    # And the next run has nothing more to say about it
    again = world.wiring.engine().run("incremental")
    assert again.get("payments_paid", 0) == 0
    assert world.payments.get(payment["payment_id"])["version"] == stored["version"]


def test_a_run_picked_up_but_not_posted_keeps_the_payment_scheduled_and_marks_it(world: World) -> None:
    # Given a Scheduled payment and a sync that has run since
    assert world.wiring.engine().run("incremental")["status"] == "succeeded"
    payment = world.payments.store([("C-1", "A-1", "100.00")])
    write(world, payment)
    # When an EFT run takes it into a batch that is not posted yet, and the sync runs
    world.aspire.sql("INSERT INTO EftBatch (GeneratedAt) VALUES ('2026-12-01 12:00:00')")
    world.aspire.sql("UPDATE AlternateEft SET Status = 'Processed', EftBatchId = 1")
    world.wiring.engine().run("incremental")
    # Then it stays Scheduled with eft_status picked_up
    stored = world.payments.get(payment["payment_id"])
    assert stored["status"] == "Scheduled" and stored["allocations"][0]["eft_status"] == "picked_up"
    # When the batch is posted and the sync runs again
    world.aspire.sql("UPDATE EftBatch SET PostedAt = '2026-12-02 12:00:00' WHERE EftBatchId = 1")
    world.wiring.engine().run("incremental")
    # Then it is Paid
    assert world.payments.get(payment["payment_id"])["status"] == "Paid"


@pytest.fixture
def mailbox(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The payment's user and a writer that mails (as deployed: a sender; here also the local outbox).
    Returns a reader of the emails of one kind sent to her."""
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("PORTAL_OUTBOX_DIR", str(outbox))
    boto3.client("ses").verify_email_identity(EmailAddress=os.environ["PORTAL_SENDER_EMAIL"])
    user = User(world.payments.site_id, world.payments.user_id, "pat@example.com", "Pat", "Doe", UserStatus.ACTIVE,
                created_at="2026-12-01T00:00:00Z")  # fmt: skip
    world.wiring.identity_store.create_user(user, ["A-1"], link_source="test")

    def texts(kind: str) -> list[str]:
        mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in outbox.glob("*.eml")]
        assert all(ACCOUNT_NUMBER not in m.as_string() for m in mails)
        found = [m for m in mails if m["X-Portal-Kind"] == kind and m["To"] == "pat@example.com"]
        return [m.get_body(preferencelist=("plain",)).get_content() for m in found]  # type: ignore[union-attr]

    return texts


def test_the_writer_mails_the_user_when_it_cancels_a_scheduled_payment(world: World, mailbox: Any) -> None:
    # Given a Scheduled payment whose cancel she asked for (the API moved it to Pending Cancel)
    payment = world.payments.store([("C-1", "A-1", "1300.00"), ("C-2", "A-1", "20.50")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    # When the writer cancels it in ASPIRE
    assert write(world, payment) == "canceled"
    # Then she gets the branded canceled email: amount, date, both contracts, the last 4 only
    [text] = mailbox("payment_canceled")
    assert payment["payment_id"] in text and "1320.50" in text and payment["payment_date"] in text
    assert "C-1" in text and "C-2" in text and ACCOUNT_NUMBER[-4:] in text
    # And the email is recorded for the diagnostics, like every email sent
    sent = world.wiring.identity_store.recent_emails(world.payments.site_id, "pat@example.com")
    assert [e.kind for e in sent] == ["payment_canceled"]


def test_a_cancel_an_eft_run_overtook_mails_that_the_payment_is_collected(world: World, mailbox: Any) -> None:
    # Given a Scheduled payment whose cancel was accepted just as an EFT run picked it up
    payment = world.payments.store([("C-1", "A-1", "300.00")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    simulator.eft_run(world.aspire.source.path, datetime.now(UTC))
    # When the writer handles the cancel, then it is refused and she is told it will be collected after all
    assert write(world, payment).startswith("cancel_refused_")
    [text] = mailbox("payment_not_canceled")
    assert "came too late" in text and payment["payment_id"] in text and "300.00" in text
    assert mailbox("payment_canceled") == []


def test_a_writer_without_a_sender_cancels_without_mailing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a writer whose environment names no sender (a smaller local process)
    monkeypatch.delenv("PORTAL_SENDER_EMAIL")
    payment = world.payments.store([("C-1", "A-1", "10.00")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    # When it cancels, then it still cancels (the email is the only thing it skips)
    assert world.wiring.payment_writer.notify is None
    assert write(world, payment) == "canceled"
