"""Payments over moto: options, create with every rule failing on its own, idempotency, list, get, cancel,
delete of a bank account in use, and the per-site switch (PRODUCT.md §5, API.md payment rows).

The world's clock stands at 2026-11-02 15:00 UTC, i.e. 09:00 on 2026-11-02 in America/Chicago.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_kit import ACCOUNT_NUMBER, ALICE, BOB, SITE, Answer, Payments

from portal.adapters.dynamodb import payment_keys as pk
from portal.adapters.dynamodb.codec import from_item, key
from portal.domain.settings import Site
from tests.integration.identity.kit import SITES, client

TODAY = "2026-11-02"


@pytest.fixture
def world(pay: Payments) -> Payments:
    # Given Alice (accounts) with two active contracts with open invoices and a terminated one,
    # and Bob with his own contract
    pay.user(ALICE, ("A-1", "A-9"))
    pay.user(BOB, ("A-2",))
    pay.contract("C-1", "A-1", [("I-1", "2026-11-10", "150.00"), ("I-2", "2026-12-10", "150.25")])
    pay.contract("C-2", "A-9", [("I-3", "2026-11-20", "99.75")])
    pay.contract("C-3", "A-1", [("I-4", "2026-11-20", "10.00")], terminated=True)
    pay.contract("C-4", "A-1")  # active, nothing open
    pay.contract("C-B", "A-2", [("I-5", "2026-11-20", "500.00")])
    return pay


def bank(pay: Payments, who: str = ALICE, **changes: str) -> str:
    answer = pay.add_bank(who, **changes)
    assert answer.status == 201, answer
    return str(answer.body["bank_account_id"])


def order(bank_id: str, **changes: Any) -> dict[str, Any]:
    return {"scope": "contract", "contract_id": "C-1", "bank_account_id": bank_id, "amount": "100.00",
            "payment_date": TODAY, **changes}  # fmt: skip


def test_options_list_each_visible_active_contract_with_its_open_invoices(world: Payments) -> None:
    answer = world.request("GET", f"/sites/{SITE}/payments/options")
    assert answer.status == 200
    by_id = {c["contract_id"]: c for c in answer.body["contracts"]}
    # Terminated C-3 and Bob's C-B are not offered; C-4 is, with nothing open
    assert sorted(by_id) == ["C-1", "C-2", "C-4"]
    assert [(i["invoice_number"], i["due_date"], i["balance"]) for i in by_id["C-1"]["open_invoices"]] == [
        ("N-I-1", "2026-11-10", "150.00"),
        ("N-I-2", "2026-12-10", "150.25"),
    ]
    assert (by_id["C-1"]["open_amount"], by_id["C-2"]["open_amount"], by_id["C-4"]["open_amount"]) == (
        "300.25", "99.75", "0.00")  # fmt: skip
    assert answer.body["total_open"] == "400.00"


def test_a_payment_is_stored_pending_with_its_guard_outbox_and_index_then_announced(world: Payments) -> None:
    bank_id = bank(world)
    # When Alice pays 100.00 on C-1
    answer = world.pay(**order(bank_id))
    # Then the answer is the API.md 201
    assert answer.status == 201, answer
    body = answer.body
    assert (body["status"], body["amount"], body["payment_date"], body["bank_last4"]) == (
        "Pending", "100.00", TODAY, ACCOUNT_NUMBER[-4:])  # fmt: skip
    assert body["allocations"] == [{"amount": "100.00", "contract_id": "C-1"}]
    # And the stored payment follows the contract: Pending, WEB, one allocation with its PortalPaymentId
    (payment,) = world.payment_items()
    alice = world.users[ALICE]
    assert (payment["status"], payment["sec_code"], payment["version"], payment["amount"]) == (
        "Pending", "WEB", 1, Decimal("100.00"))  # fmt: skip
    (allocation,) = payment["allocations"]
    assert allocation["portal_payment_id"] == f"{body['payment_id']}-1" and allocation["account_id"] == "A-1"
    assert [h["status"] for h in payment["history"]] == ["Pending"]
    assert payment["gsi1pk"] == pk.site_payments_index_pk(SITE)
    table = world.settings.table_payments
    items = [from_item(i) for i in client("dynamodb").scan(TableName=table)["Items"]]
    kinds = {i.get("type") for i in items}
    assert {"payment", "idempotency_guard", "payment_outbox", "contract_payment"} <= kinds
    outbox = [i for i in items if i["pk"] == pk.OUTBOX_PK]
    assert [i["sk"] for i in outbox] == [pk.outbox_sk(payment["created_at"], SITE, alice.user_id, body["payment_id"])]
    # And the writer is told, and Alice gets a confirmation with the last 4 digits only
    assert world.queued() == [{"kind": "payment", "site_id": SITE, "user_id": alice.user_id,
                               "payment_id": body["payment_id"]}]  # fmt: skip
    mail = world.world.outbox.last(ALICE)
    assert mail.kind == "payment_accepted" and "100.00" in mail.text and "C-1" in mail.text
    assert ACCOUNT_NUMBER[-4:] in mail.text and ACCOUNT_NUMBER not in mail.text + mail.html


@pytest.mark.parametrize(("contract_id", "account_id"), [("C-2", "A-9"), ("C-4", "A-1")])
def test_one_contract_is_paid_from_the_linked_account_that_holds_it_even_with_nothing_open(
    world: Payments, contract_id: str, account_id: str
) -> None:
    # Given Alice's contract on her second account (C-2) and her active contract without open invoices (C-4)
    bank_id = bank(world)
    # When she pays one of them alone
    answer = world.pay(**order(bank_id, contract_id=contract_id, amount="5.00"))
    # Then it is stored with the account that holds the contract (ASPIRE's EFT account), as the options list it
    assert answer.status == 201, answer
    (payment,) = world.payment_items()
    assert [(a["contract_id"], a["account_id"]) for a in payment["allocations"]] == [(contract_id, account_id)]


def test_a_business_account_pays_with_ccd(world: Payments) -> None:
    bank_id = bank(world, owner_type="business")
    assert world.pay(**order(bank_id)).status == 201
    assert world.payment_items()[0]["sec_code"] == "CCD"


def test_scope_all_pays_every_contract_with_open_charges_and_needs_the_exact_total(world: Payments) -> None:
    bank_id = bank(world)
    # A different amount is refused with the expected total
    wrong = world.pay(**order(bank_id, scope="all", contract_id=None, amount="400.01"))
    assert (wrong.status, wrong.error()) == (422, "amount_mismatch")
    assert wrong.body["error"]["fields"][0]["expected"] == "400.00" and "400.00" in wrong.body["error"]["message"]
    # The open total becomes one allocation per contract with open charges
    right = world.pay("key-2", **order(bank_id, scope="all", contract_id=None, amount="400.00"))
    assert right.status == 201, right
    assert right.body["allocations"] == [{"amount": "300.25", "contract_id": "C-1"},
                                         {"amount": "99.75", "contract_id": "C-2"}]  # fmt: skip
    (payment,) = world.payment_items()
    assert [a["account_id"] for a in payment["allocations"]] == ["A-1", "A-9"]
    assert [a["portal_payment_id"][-2:] for a in payment["allocations"]] == ["-1", "-2"]


RULES = [
    ({"amount": "0.00"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "10.001"}, "amount"),
    ({"amount": "100000.01"}, "amount"),
    ({"payment_date": "2026-11-01"}, "payment_date"),  # yesterday in Chicago
    ({"payment_date": "2026-12-03"}, "payment_date"),  # 31 days ahead
    ({"contract_id": "C-B"}, "contract_id"),  # Bob's
    ({"contract_id": "C-3"}, "contract_id"),  # terminated
    ({"contract_id": "C-404"}, "contract_id"),
    ({"bank_account_id": "0" * 32}, "bank_account_id"),
    ({"scope": "contract", "contract_id": None}, "contract_id"),
    ({"scope": "some"}, "scope"),
    ({"amount": "lots"}, "amount"),
    ({"payment_date": "2026-13-01"}, "payment_date"),
]


@pytest.mark.parametrize(("change", "field"), RULES, ids=lambda v: str(v))
def test_each_payment_rule_failing_on_its_own_is_a_422_and_stores_nothing(
    world: Payments, change: dict[str, Any], field: str
) -> None:
    bank_id = bank(world)
    answer = world.pay(**order(bank_id, **change))
    assert answer.status == 422, answer
    assert field in [f["field"] for f in answer.body["error"]["fields"]], answer.body
    assert world.payment_items() == []


def test_the_date_limits_are_today_and_the_last_day_ahead(world: Payments) -> None:
    bank_id = bank(world)
    assert world.pay("k-1", **order(bank_id, payment_date=TODAY)).status == 201
    assert world.pay("k-2", **order(bank_id, payment_date="2026-12-02")).status == 201
    assert world.pay("k-3", **order(bank_id, amount="100000.00")).status == 201


def test_an_unverified_bank_account_cannot_pay(world: Payments) -> None:
    world.instance(bank_verification_mode="existing_only")
    bank_id = bank(world)
    answer = world.pay(**order(bank_id))
    assert (answer.status, answer.error()) == (422, "bank_account_unverified")


def test_another_users_bank_account_cannot_pay(world: Payments) -> None:
    bobs = bank(world, BOB)
    answer = world.pay(**order(bobs))
    assert (answer.status, answer.error()) == (422, "bank_account_not_found")


def test_the_idempotency_key_is_required_and_well_formed(world: Payments) -> None:
    bank_id = bank(world)
    assert (world.pay(None, **order(bank_id)).status, world.pay(None, **order(bank_id)).error()) == (
        400, "idempotency_key_required")  # fmt: skip
    for bad in ("", "k" * 129, "has space", "key/slash"):
        answer = world.pay(bad, **order(bank_id))
        assert answer.status == 400 and answer.error() in {"idempotency_key_required", "invalid_idempotency_key"}
    assert world.payment_items() == []


def test_same_key_same_body_is_the_same_answer_and_other_body_is_422(world: Payments) -> None:
    bank_id = bank(world)
    first = world.pay("key-1", **order(bank_id))
    again = world.pay("key-1", **order(bank_id, amount="100.0"))  # the same amount, spelled otherwise
    assert (again.status, again.body) == (first.status, first.body)
    other = world.pay("key-1", **order(bank_id, amount="101.00"))
    assert (other.status, other.error()) == (422, "idempotency_key_reused")
    assert len(world.payment_items()) == 1
    # And the key is Alice's: Bob's request with the same key is his own payment
    bob_bank = bank(world, BOB)
    bobs = world.pay("key-1", BOB, **order(bob_bank, contract_id="C-B"))
    assert bobs.status == 201 and bobs.body["payment_id"] != first.body["payment_id"]


def _expire_powertools_records(pay: Payments) -> None:
    table = pay.settings.table_payments
    for item in client("dynamodb").scan(TableName=table)["Items"]:
        if item["pk"]["S"] == "IDEMPOTENCY#payments":
            client("dynamodb").delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})


def test_the_guard_holds_the_key_after_the_powertools_record_expired(world: Payments) -> None:
    bank_id = bank(world)
    first = world.pay("key-1", **order(bank_id))
    # Given the Powertools idempotency record is gone (expired)
    _expire_powertools_records(world)
    # Then the same request still answers the same payment, and another body is still refused
    assert world.pay("key-1", **order(bank_id)).body == first.body
    _expire_powertools_records(world)
    assert world.pay("key-1", **order(bank_id, amount="7.00")).error() == "idempotency_key_reused"
    assert len(world.payment_items()) == 1


def test_list_is_newest_first_in_pages_and_get_shows_the_history(world: Payments) -> None:
    bank_id = bank(world)
    ids = []
    for n in range(3):
        world.world.clock.advance(seconds=1)
        ids.append(world.pay(f"key-{n}", **order(bank_id, amount=f"{n + 1}.00")).body["payment_id"])
    page = world.request("GET", f"/sites/{SITE}/payments", query={"limit": "2"})
    assert [p["payment_id"] for p in page.body["items"]] == [ids[2], ids[1]] and page.body["next_token"]
    rest = world.request("GET", f"/sites/{SITE}/payments", query={"limit": "2", "next_token": page.body["next_token"]})
    assert [p["payment_id"] for p in rest.body["items"]] == [ids[0]] and rest.body["next_token"] is None
    # Bob sees none of them, and cannot reuse Alice's page token
    assert world.request("GET", f"/sites/{SITE}/payments", BOB).body["items"] == []
    bobs = world.request("GET", f"/sites/{SITE}/payments", BOB, query={"next_token": page.body["next_token"]})
    assert bobs.status == 400
    detail = world.request("GET", f"/sites/{SITE}/payments/{ids[0]}")
    assert detail.status == 200 and [h["status"] for h in detail.body["history"]] == ["Pending"]
    assert detail.body["sec_code"] == "WEB" and detail.body["amount"] == "1.00"
    assert world.request("GET", f"/sites/{SITE}/payments/{ids[0]}", BOB).error() == "payment_not_found"


def _set_status(pay: Payments, payment_id: str, status: str, eft_status: str | None = None) -> None:
    """What the writer (Scheduled) or the sync (Paid) does to a payment, by its own conditional update."""
    alice = pay.users[ALICE]
    names = {"#s": "status", "#v": "version"}
    update = "SET #s = :s, #v = #v + :one"
    values: dict[str, Any] = {":s": {"S": status}, ":one": {"N": "1"}}
    if eft_status:
        update += ", allocations[0].eft_status = :e"
        values[":e"] = {"S": eft_status}
    client("dynamodb").update_item(
        TableName=pay.settings.table_payments, Key=key(pk.user_pk(SITE, alice.user_id), pk.payment_sk(payment_id)),
        UpdateExpression=update, ExpressionAttributeNames=names, ExpressionAttributeValues=values,
    )  # fmt: skip


def test_cancel_of_a_pending_payment_cancels_it_at_once(world: Payments) -> None:
    bank_id = bank(world)
    payment_id = world.pay(**order(bank_id)).body["payment_id"]
    world.queued()  # the creation's message
    answer = world.request("POST", f"/sites/{SITE}/payments/{payment_id}/cancel")
    assert (answer.status, answer.body) == (202, {"status": "Canceled"})
    (payment,) = world.payment_items()
    assert [h["status"] for h in payment["history"]] == ["Pending", "Canceled"] and payment["version"] == 2
    assert payment["canceled_by"] == "user"
    assert not [i for i in world.raw_items() if i["pk"]["S"] == pk.OUTBOX_PK]
    assert world.world.outbox.last(ALICE).kind == "payment_canceled" and world.queued() == []
    # And canceling again is a 409
    assert world.request("POST", f"/sites/{SITE}/payments/{payment_id}/cancel").error() == "already_processed"


def test_cancel_of_a_scheduled_payment_asks_the_writer(world: Payments) -> None:
    bank_id = bank(world)
    payment_id = world.pay(**order(bank_id)).body["payment_id"]
    world.queued()
    _set_status(world, payment_id, "Scheduled", "pending")  # as the writer leaves it: row written, no EFT run
    answer = world.request("POST", f"/sites/{SITE}/payments/{payment_id}/cancel")
    assert (answer.status, answer.body) == (202, {"status": "Pending Cancel"})
    assert [m["payment_id"] for m in world.queued()] == [payment_id]
    assert [i for i in world.raw_items() if i["pk"]["S"] == pk.OUTBOX_PK]
    assert world.request("POST", f"/sites/{SITE}/payments/{payment_id}/cancel").error() == "cancel_in_progress"


@pytest.mark.parametrize(("status", "eft"), [("Paid", "paid"), ("Scheduled", "picked_up")])
def test_cancel_after_an_eft_run_picked_it_up_is_409(world: Payments, status: str, eft: str | None) -> None:
    bank_id = bank(world)
    payment_id = world.pay(**order(bank_id)).body["payment_id"]
    _set_status(world, payment_id, status, eft)
    answer = world.request("POST", f"/sites/{SITE}/payments/{payment_id}/cancel")
    assert (answer.status, answer.error()) == (409, "already_processed")
    assert world.payment_items()[0]["status"] == status


def test_a_bank_account_with_a_payment_in_progress_cannot_be_deleted(world: Payments) -> None:
    bank_id = bank(world)
    payment_id = world.pay(**order(bank_id)).body["payment_id"]
    for status in ("Pending", "Scheduled", "Pending Cancel"):
        _set_status(world, payment_id, status)
        answer = world.request("DELETE", f"/sites/{SITE}/bank-accounts/{bank_id}")
        assert (answer.status, answer.error()) == (409, "bank_account_in_use"), status
    _set_status(world, payment_id, "Canceled")
    assert world.request("DELETE", f"/sites/{SITE}/bank-accounts/{bank_id}").status == 204


def test_with_payments_off_every_payment_route_is_404_and_the_site_says_so(world: Payments) -> None:
    bank_id = bank(world)
    payment_id = world.pay(**order(bank_id)).body["payment_id"]
    # Given payments are switched off for summit
    summit = next(s for s in SITES if s.site_id == SITE)
    world.world.wiring.sites.put_site(Site.model_validate({**summit.model_dump(), "payments_enabled": False}))
    # Then every payment and bank-account route answers 404 not_found, signed in or not
    from portal.api.routes import ROUTES

    routes = [r for r in ROUTES if r.function == "payments"]
    assert len(routes) == 8
    for route in routes:
        path = route.path.replace("{site}", SITE).replace("{payment_id}", payment_id)
        path = path.replace("{bank_account_id}", bank_id)
        for who in (ALICE, None):
            headers = {"Idempotency-Key": "key-9"}
            body = order(bank_id) if route.method == "POST" else None
            answer: Answer = world.request(route.method, path, who, body, headers)
            assert (answer.status, answer.error()) == (404, "not_found"), (route.path, who)
    # And the site's branding says payments are off
    status, site, _ = __import__("tests.integration.identity.kit", fromlist=["call"]).call(
        "login", __import__("local.events", fromlist=["api_event"]).api_event(
            "GET", f"/sites/{SITE}", resource="/sites/{site}", path_params={"site": SITE}))  # fmt: skip
    assert status == 200 and site["payments_enabled"] is False


def test_a_payment_made_between_the_in_use_check_and_the_delete_wins(world: Payments) -> None:
    from portal.adapters.dynamodb.payments import StaleStatus

    bank_id = bank(world)
    store = world.world.wiring.payments.store
    alice = world.users[ALICE].user_id
    # Given the delete read the account while no payment was in progress
    seen = store.bank_account(SITE, alice, bank_id)
    assert seen is not None and "last_payment_id" not in seen
    # When a payment from it lands before the delete runs
    assert world.pay(**order(bank_id)).status == 201
    # Then the delete is refused and the account stays for the payment
    with pytest.raises(StaleStatus):
        store.delete_bank_account(SITE, alice, bank_id, seen.get("last_payment_id"))
    assert store.bank_account(SITE, alice, bank_id) is not None
