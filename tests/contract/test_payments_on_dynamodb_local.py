"""Payments against DynamoDB Local, which runs transactions and conditions as DynamoDB does: 50 concurrent
requests with one Idempotency-Key make exactly one payment, and all 50 get the same answer.

Each thread has its own boto3 client and its own payments context (as 50 Lambda containers would). The queue
and the mail are recorded in memory: the guarantee under test is the table's, and a real SQS/SES endpoint is
not part of DynamoDB Local.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from local.events import LambdaContextStub
from portal.adapters.dynamodb.codec import from_item, to_item
from portal.adapters.dynamodb.contracts import DynamoContractReader
from portal.adapters.dynamodb.control import DynamoSiteRepository
from portal.adapters.dynamodb.payments import DynamoPayments
from portal.config import TableSettings
from portal.domain.errors import Conflict
from portal.domain.principal import EndUser
from portal.domain.settings import InstanceSettings, Site
from portal.services import payments
from portal.services.site_map_cache import SiteMapCache
from portal.services.sync_items import ContractState, contract_items

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("dynamodb_local")]

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
ALICE = EndUser("summit", "u-alice", "s-1", ("A-1", "A-2"))
BANK_ID = "b" * 32
REQUESTS = 50


def _world(settings: TableSettings) -> None:
    client = boto3.client("dynamodb")
    sites = DynamoSiteRepository(client, settings.table_control)
    sites.put_site(Site(site_id="summit", display_name="Summit", is_default=True))
    sites.put_settings(InstanceSettings())
    for contract_id, account, balance in (("C-1", "A-1", "120.00"), ("C-2", "A-2", "80.50")):
        state = ContractState(
            contract={"ContractId": contract_id, "PrivateLabel": None, "IsBooked": True, "IsTerminated": False},
            roles=[{"AccountId": account, "RoleType": "Customer"}],
            invoices=(
                {
                    "InvoiceId": f"I-{contract_id}",
                    "InvoiceNumber": "1",
                    "InvoiceDate": "2026-10-01",
                    "DueDate": "2026-11-10",
                    "Amount": Decimal(balance),
                    "Balance": Decimal(balance),
                    "Status": "Open",
                },
            ),
        )
        for desired in contract_items("summit", state, {"incremental"}):
            client.put_item(TableName=settings.table_data, Item=to_item(desired.item()))
    DynamoPayments(client, settings.table_payments, settings.table_data).put_bank_account(
        "summit", ALICE.user_id,
        {"type": "bank_account", "bank_account_id": BANK_ID, "holder_name": "Alice", "routing_number": "021000021",
         "account_ciphertext": b"x", "last4": "6789", "fingerprint": "f" * 64, "account_type": "checking",
         "owner_type": "business", "verified": True, "verification": "allow_any", "created_at": NOW.isoformat()},
    )  # fmt: skip


def _context(settings: TableSettings, announced: list[str], mailed: list[str], powertools: bool) -> Any:
    client = boto3.client("dynamodb")  # one per thread, as one per Lambda container
    sites = DynamoSiteRepository(client, settings.table_control)
    runner: payments.Idempotent = (
        payments.powertools_idempotent(client, settings.table_payments, lambda: LambdaContextStub("payments"))
        if powertools
        else lambda create, request: create(request)  # the guard item alone
    )
    return payments.PaymentsContext(
        store=DynamoPayments(client, settings.table_payments, settings.table_data),
        contracts=DynamoContractReader(client, settings.table_data, settings.table_control),
        site_maps=SiteMapCache(sites).get,
        cipher=None,  # type: ignore[arg-type]  # paying never decrypts
        fingerprint_key=lambda: b"k",
        announce=lambda site, user, payment_id: announced.append(payment_id),
        notify=lambda site, user, build, branding=None: mailed.append(build("alice@example.com", _brand()).subject),
        clock=lambda: NOW,
        idempotent=runner,
    )


def _brand() -> Any:
    from portal.emails import EmailBranding

    return EmailBranding("Summit", "https://x.test/l.svg", "#000000", "help@x.test")


@pytest.mark.parametrize("powertools", [True, False], ids=["powertools+guard", "guard alone"])
def test_fifty_concurrent_requests_with_one_key_make_one_payment(ddb_local_env: str, powertools: bool) -> None:
    # Given Alice's verified bank account and two contracts with open charges, on DynamoDB Local
    settings = TableSettings.load()
    _world(settings)
    announced: list[str] = []
    mailed: list[str] = []
    contexts = [_context(settings, announced, mailed, powertools) for _ in range(REQUESTS)]
    order = payments.PaymentOrder("all", None, BANK_ID, Decimal("200.50"), NOW.date())
    start = threading.Barrier(REQUESTS)

    def one(ctx: Any) -> dict[str, Any]:
        start.wait()
        return payments.create_payment(ctx, ALICE, InstanceSettings(), order, "the-one-key")

    # When 50 requests with the same Idempotency-Key and body arrive at once
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(one, contexts))

    # Then there is exactly one payment (with its one guard), announced and mailed once
    client = boto3.client("dynamodb")
    items = [from_item(i) for p in client.get_paginator("scan").paginate(TableName=settings.table_payments)
             for i in p["Items"]]  # fmt: skip
    stored = [i for i in items if i.get("type") == "payment"]
    assert len(stored) == 1, stored
    assert len([i for i in items if i.get("type") == "idempotency_guard"]) == 1
    assert announced == [stored[0]["payment_id"]] and len(mailed) == 1
    # And every request got the same answer: that payment, split over both contracts, CCD for a business account
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]["payment_id"] == stored[0]["payment_id"] and answers[0]["amount"] == "200.50"
    assert [a["contract_id"] for a in answers[0]["allocations"]] == ["C-1", "C-2"]
    assert stored[0]["sec_code"] == "CCD"


def test_list_cancel_and_the_in_use_check_run_as_dynamodb_runs_them(ddb_local_env: str) -> None:
    # Given two payments of Alice on DynamoDB Local
    settings = TableSettings.load()
    _world(settings)
    ctx = _context(settings, [], [], powertools=True)
    ids = []
    for n, amount in enumerate(("10.00", "20.00")):
        ctx.clock = lambda n=n: NOW.replace(second=n)
        order = payments.PaymentOrder("contract", "C-1", BANK_ID, Decimal(amount), NOW.date())
        ids.append(payments.create_payment(ctx, ALICE, InstanceSettings(), order, f"key-{n}")["payment_id"])
    # Then they list newest first, one page at a time
    first = payments.list_payments(ctx, ALICE, payments.PaymentListQuery(limit=1))
    assert [p.payment_id for p in first.items] == [ids[1]] and first.next_token
    rest = payments.list_payments(ctx, ALICE, payments.PaymentListQuery(limit=1, next_token=first.next_token))
    assert [p.payment_id for p in rest.items] == [ids[0]] and rest.next_token is None
    # And the bank account is in use until both are canceled (conditional updates with the outbox delete)
    with pytest.raises(Conflict):
        payments.delete_bank_account(ctx, ALICE, BANK_ID)
    for payment_id in ids:
        assert payments.cancel_payment(ctx, ALICE, payment_id).status == "Canceled"
    detail = payments.get_payment(ctx, ALICE, ids[0])
    assert [h.status for h in detail.history] == ["Pending", "Canceled"]
    payments.delete_bank_account(ctx, ALICE, BANK_ID)
    assert payments.list_bank_accounts(ctx, ALICE).items == []
    client = boto3.client("dynamodb")
    outbox = client.query(TableName=settings.table_payments, KeyConditionExpression="pk = :pk",
                          ExpressionAttributeValues={":pk": {"S": "PAYOUTBOX"}})["Items"]  # fmt: skip
    assert outbox == []
