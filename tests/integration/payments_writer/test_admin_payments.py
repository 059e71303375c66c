"""The admin payment routes through the real admin handler: a user's payments, the lookup, the §8.4 checklist.

Payments are stored as the API stores them and moved by the real writer and sync; staff requests carry the
Cognito claims API Gateway's authorizer passes (support staff: read-only, which is all these routes need).
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from writer_kit import ACCOUNT_NUMBER, World

from local.aspire import simulator
from local.events import LambdaContextStub, api_event
from portal.adapters.aspire.port import AspireUnavailable
from portal.services.identity.models import User, UserStatus
from portal.wiring import Wiring

SUPPORT = {"sub": "staff-1", "email": "support@example.com", "cognito:groups": "portal-support"}


@pytest.fixture
def admin(world: World) -> Any:
    """The admin function as a cold start in this test's AWS would load it."""
    payments = importlib.import_module("admin.common")
    payments.wiring = Wiring.from_env()
    return importlib.import_module("admin.app")


def get(admin: Any, path: str, query: dict[str, str] | None = None, claims: dict[str, str] | None = SUPPORT) -> Any:
    from portal.api.routes import resolve

    route, params = resolve("admin", "GET", path) or (None, {})
    assert route is not None, path
    authorizer = {"claims": claims} if claims is not None else None
    event = api_event("GET", path, resource=route.path, path_params=params, query=query, authorizer=authorizer,
                      api_id="admin")  # fmt: skip
    response = admin.handler(event, LambdaContextStub("admin"))
    return response["statusCode"], json.loads(response["body"])


def write(world: World, payment: dict[str, Any]) -> str:
    return world.wiring.payment_writer.handle(payment["site_id"], payment["user_id"], payment["payment_id"])


def checks(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["rule"]: c for c in body["checks"]}


def test_staff_read_a_users_payments_and_look_payments_up(world: World, admin: Any) -> None:
    # Given two payments of one user, one Scheduled, one still Pending
    user = User("summit", "u-1", "pat@acme.example.com", "Pat", "Doe", UserStatus.ACTIVE, "2026-01-01T00:00:00Z")
    Wiring.from_env().identity_store.create_user(user, ["A-1"], link_source="admin")
    first = world.payments.store([("C-1", "A-1", "100.00")], age=timedelta(days=2))
    write(world, first)
    second = world.payments.store([("C-2", "A-1", "55.10")])
    # When support lists the user's payments
    status, body = get(admin, "/admin/sites/summit/users/u-1/payments")
    # Then both are there, newest first, money as strings, no bank number anywhere
    assert status == 200
    assert [p["payment_id"] for p in body["payments"]] == [second["payment_id"], first["payment_id"]]
    assert body["payments"][0]["amount"] == "55.10" and body["payments"][1]["status"] == "Scheduled"
    assert ACCOUNT_NUMBER not in json.dumps(body)
    # And the lookup filters by contract, by status, by date, and names the payer by email
    by_contract = get(admin, "/admin/sites/summit/payments", {"contract_id": "C-1"})[1]["payments"]
    assert [p["payment_id"] for p in by_contract] == [first["payment_id"]]
    assert by_contract[0]["user_id"] == "u-1" and by_contract[0]["user_email"] == "pat@acme.example.com"
    pending = get(admin, "/admin/sites/summit/payments", {"status": "Pending"})[1]["payments"]
    assert [p["payment_id"] for p in pending] == [second["payment_id"]]
    today = datetime.now(UTC).date().isoformat()
    recent = get(admin, "/admin/sites/summit/payments", {"from": today, "to": today})[1]["payments"]
    assert [p["payment_id"] for p in recent] == [second["payment_id"]]
    # And another site has none of them
    assert get(admin, "/admin/sites/harvest/payments")[1]["payments"] == []


@pytest.mark.parametrize("query", [{"status": "Lost"}, {"from": "yesterday"}, {"contract_id": "C\x00"}])
def test_a_bad_lookup_filter_is_422(world: World, admin: Any, query: dict[str, str]) -> None:
    status, body = get(admin, "/admin/sites/summit/payments", query)
    assert status == 422 and body["error"]["code"]


def test_without_a_staff_token_the_payment_routes_answer_401_or_403(world: World, admin: Any) -> None:
    payment = world.payments.store([("C-1", "A-1", "1.00")])
    for path in ("/admin/sites/summit/users/u-1/payments", "/admin/sites/summit/payments",
                 f"/admin/sites/summit/diagnostics/payments/{payment['payment_id']}"):  # fmt: skip
        assert get(admin, path, claims=None)[0] == 401
        # An end user's authorizer context carries no Cognito claims
        assert get(admin, path, claims={"site_id": "summit", "user_id": "u-1"})[0] == 401  # type: ignore[dict-item]
        assert get(admin, path, claims={"sub": "x", "email": "x@example.com", "cognito:groups": ""})[0] == 403


def test_diagnostics_of_a_scheduled_payment_read_aspire_live(world: World, admin: Any) -> None:
    payment = world.payments.store([("C-1", "A-1", "100.00")])
    write(world, payment)
    status, body = get(admin, f"/admin/sites/summit/diagnostics/payments/{payment['payment_id']}")
    assert status == 200 and body["verdict"] == "scheduled"
    result = checks(body)
    assert result["stored"]["passed"] and result["written_to_aspire"]["passed"]
    assert not result["picked_up_by_eft_run"]["passed"] and not result["canceled"]["passed"]
    assert result["not_stuck_pending"]["passed"]
    assert body["aspire"]["source"] == "aspire" and body["aspire"]["rows"][0]["status"] == "Pending"
    assert [h["status"] for h in body["timeline"]] == ["Pending", "Scheduled"]
    assert ACCOUNT_NUMBER not in json.dumps(body)


def test_diagnostics_say_why_a_payment_is_stuck_pending_while_aspire_is_down(world: World, admin: Any) -> None:
    payment = world.payments.store([("C-1", "A-1", "100.00")], age=timedelta(minutes=20))
    world.outage(True)
    with pytest.raises(AspireUnavailable):
        write(world, payment)
    status, body = get(admin, f"/admin/sites/summit/diagnostics/payments/{payment['payment_id']}")
    assert status == 200 and body["verdict"] == "stuck_pending"
    result = checks(body)
    assert not result["not_stuck_pending"]["passed"]
    assert "ASPIRE unreachable since" in result["not_stuck_pending"]["detail"]
    assert not result["written_to_aspire"]["passed"] and body["aspire"]["source"] == "synced"


def test_diagnostics_of_a_paid_payment_name_the_eft_run(world: World, admin: Any) -> None:
    world.wiring.engine().run("incremental")
    payment = world.payments.store([("C-1", "A-1", "100.00")])
    write(world, payment)
    batch = simulator.eft_run(world.aspire.source.path, datetime.now(UTC))["eft_batch_id"]
    world.wiring.engine().run("incremental")
    status, body = get(admin, f"/admin/sites/summit/diagnostics/payments/{payment['payment_id']}")
    assert status == 200 and body["verdict"] == "paid"
    result = checks(body)
    assert result["picked_up_by_eft_run"]["passed"] and f"batch {batch}" in result["picked_up_by_eft_run"]["detail"]
    assert result["payment_date_within_run"]["passed"]
    # And with ASPIRE down the synced EFT# items answer the same
    world.outage(True)
    body = get(admin, f"/admin/sites/summit/diagnostics/payments/{payment['payment_id']}")[1]
    assert body["aspire"]["source"] == "synced" and checks(body)["picked_up_by_eft_run"]["passed"]


def test_diagnostics_of_a_canceled_payment_say_by_whom_and_when(world: World, admin: Any) -> None:
    payment = world.payments.store([("C-1", "A-1", "100.00")])
    write(world, payment)
    world.payments.request_cancel(payment["payment_id"])
    write(world, payment)
    body = get(admin, f"/admin/sites/summit/diagnostics/payments/{payment['payment_id']}")[1]
    assert body["verdict"] == "canceled"
    assert checks(body)["canceled"]["passed"] and "by user" in checks(body)["canceled"]["detail"]


def test_diagnostics_of_an_unknown_or_foreign_payment_say_not_stored(world: World, admin: Any) -> None:
    payment = world.payments.store([("C-1", "A-1", "100.00")])
    for site, payment_id in (("summit", "20260101T000000000000-deadbeef"), ("harvest", payment["payment_id"]),
                             ("summit", "nonsense")):  # fmt: skip
        status, body = get(admin, f"/admin/sites/{site}/diagnostics/payments/{payment_id}")
        assert status == 200 and body["verdict"] == "not_stored"
        assert checks(body) == {
            "stored": {"rule": "stored", "passed": False, "detail": checks(body)["stored"]["detail"]}
        }
