"""The authorization matrix over every end-user route of API.md, through the local gateway (route table,
REQUEST authorizer and handlers exactly as deployed): own object, another user's object on the same site, an
object on another site, no token, a malformed, expired or revoked token, and a token of another site."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.gateway import Gateway
from portal.api.routes import ROUTES
from tests.integration.identity.kit import PASSWORD, World, bind_functions, open_world

pytestmark = pytest.mark.e2e

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
AUTHENTICATED = [r for r in ROUTES if r.api == "enduser" and r.auth == "enduser"]
# Routes that change state are checked last in a matrix row; these bodies are valid for them.
BODIES: dict[str, Any] = {
    "/sites/{site}/me/password": {"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    "/sites/{site}/me/totp/confirm": {"code": "000000"},
    # payments (PRODUCT.md §5)
    "/sites/{site}/bank-accounts": {"holder_name": "Alice", "routing_number": "021000021",
                                    "account_number": "123456789", "account_type": "checking",
                                    "owner_type": "personal"},
    "/sites/{site}/payments": {"scope": "contract", "contract_id": "C-1", "bank_account_id": "0" * 32,
                               "amount": "10.00", "payment_date": "2026-11-02"},
}  # fmt: skip
# Ids of objects that do not exist: the routes with them reach their 404 (or the authorizer's 401/403) first.
MISSING_IDS = {"{bank_account_id}": "0" * 32, "{payment_id}": "20261102T150000000000-00000000"}


@pytest.fixture
def world(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    world = open_world(tmp_path, monkeypatch)
    bind_functions(world, "contracts", "payments")
    # Given Alice and Bob on summit with their own contracts, and Carol on harvest
    world.user("summit", ALICE, accounts=("A-1",))
    world.user("summit", BOB, accounts=("A-2",))
    world.user("harvest", CAROL, accounts=("A-3",))
    world.put_contract("summit", "C-1", "A-1")
    world.put_contract("summit", "C-2", "A-2")
    world.put_contract("harvest", "C-3", "A-3")
    return world


def http(
    method: str, path: str, token: str | None = None, body: Any = None, extra: dict[str, str] | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **(extra or {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = json.dumps(body).encode() if body is not None else None
    response = Gateway("enduser").handle(method, path, headers, raw)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def token_of(world: World, site: str, email: str) -> str:
    status, body = http("POST", f"/sites/{site}/auth/login", body={"email": email, "password": PASSWORD})
    assert status == 200, body
    if body.get("mfa_required"):  # the test sites with MFA on: answer with the emailed code
        answer = {"challenge_id": body["challenge_id"], "code": world.outbox.last(email).code}
        status, body = http("POST", f"/sites/{site}/auth/mfa", body=answer)
        assert status == 200, body
    return str(body["access_token"])


def path_of(template: str, site: str = "summit", contract_id: str = "C-1", **ids: str) -> str:
    path = template.replace("{site}", site).replace("{contract_id}", contract_id)
    for name, missing in MISSING_IDS.items():
        path = path.replace(name, ids.get(name.strip("{}"), missing))
    return path


def call(route: Any, token: str | None, site: str = "summit", contract_id: str = "C-1") -> tuple[int, Any]:
    headers = {"Idempotency-Key": "matrix-key"}
    return http(route.method, path_of(route.path, site, contract_id), token, BODIES.get(route.path), headers)


@pytest.mark.parametrize("route", AUTHENTICATED, ids=lambda r: f"{r.method} {r.path}")
def test_without_a_valid_token_every_authenticated_route_is_401(world: World, route: Any) -> None:
    for token in (None, "", "garbage", "summit." + "A" * 43, "harvest.not-a-token"):
        status, body = call(route, token)
        assert status == 401, (token, status, body)
        assert body["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("route", AUTHENTICATED, ids=lambda r: f"{r.method} {r.path}")
def test_a_token_of_another_site_is_403_on_every_authenticated_route(world: World, route: Any) -> None:
    carol = token_of(world, "harvest", CAROL)
    status, body = call(route, carol, site="summit")
    assert status == 403 and body["error"]["code"] in {"forbidden", "wrong_site"}


@pytest.mark.parametrize("route", AUTHENTICATED, ids=lambda r: f"{r.method} {r.path}")
def test_an_expired_token_is_401(world: World, route: Any) -> None:
    alice = token_of(world, "summit", ALICE)
    world.clock.advance(hours=12, minutes=1)  # past the absolute limit (and the idle one)
    assert call(route, alice)[0] == 401


@pytest.mark.parametrize("route", AUTHENTICATED, ids=lambda r: f"{r.method} {r.path}")
def test_a_revoked_token_is_401(world: World, route: Any) -> None:
    alice = token_of(world, "summit", ALICE)
    assert http("POST", "/sites/summit/auth/logout", alice)[0] == 204
    assert call(route, alice)[0] == 401


CONTRACT_ROUTES = [r for r in AUTHENTICATED if "{contract_id}" in r.path]


@pytest.mark.parametrize("route", CONTRACT_ROUTES, ids=lambda r: r.path)
def test_objects_are_the_owners_only(world: World, route: Any) -> None:
    alice = token_of(world, "summit", ALICE)
    # Own contract: 200
    assert call(route, alice, contract_id="C-1")[0] == 200
    # Another user's contract on the same site, and a contract of another site: 404, same as a missing one
    missing = call(route, alice, contract_id="C-404")
    assert missing[0] == 404
    assert call(route, alice, contract_id="C-2") == missing
    assert call(route, alice, contract_id="C-3") == missing


def test_lists_hold_only_the_users_own_objects(world: World) -> None:
    alice, bob = token_of(world, "summit", ALICE), token_of(world, "summit", BOB)
    status, body = http("GET", "/sites/summit/contracts", alice)
    assert status == 200 and [c["contract_id"] for c in body["items"]] == ["C-1"]
    status, body = http("GET", "/sites/summit/contracts", bob)
    assert status == 200 and [c["contract_id"] for c in body["items"]] == ["C-2"]
    status, me = http("GET", "/sites/summit/me", alice)
    assert status == 200 and [a["account_id"] for a in me["linked_accounts"]] == ["A-1"]


def test_public_routes_need_no_token_and_never_answer_401(world: World) -> None:
    public = [r for r in ROUTES if r.api == "enduser" and r.auth == "none"]
    assert {r.path for r in public} >= {"/health", "/sites/{site}", "/sites/{site}/auth/login"}
    for route in public:
        status, _ = http(route.method, path_of(route.path), None, {} if route.method == "POST" else None)
        assert status != 401 and status < 500, (route.path, status)


def test_path_segments_are_percent_decoded_one_by_one_as_api_gateway_does(world: World) -> None:
    # Given Alice's token and her contract C-1
    token = token_of(world, "summit", ALICE)
    # When she asks for it with an encoded hyphen, the contract id reaches the handler decoded
    status, body = http("GET", "/sites/summit/contracts/C%2D1", token)
    assert status == 200 and body["contract_id"] == "C-1"
    assert http("GET", "/sites/summit/contracts/C%2d1/invoices", token)[0] == 200


# --- payments (PRODUCT.md §5): bank accounts and payments are their owner's only ----------------------------------
PAYMENT_OBJECT_ROUTES = [r for r in AUTHENTICATED if "{bank_account_id}" in r.path or "{payment_id}" in r.path]


def _alices_bank_account_and_payment(world: World, alice: str) -> tuple[str, str]:
    status, bank = http("POST", "/sites/summit/bank-accounts", alice, BODIES["/sites/{site}/bank-accounts"])
    assert status == 201, bank
    order = {**BODIES["/sites/{site}/payments"], "bank_account_id": bank["bank_account_id"]}
    status, payment = http("POST", "/sites/summit/payments", alice, order, {"Idempotency-Key": "alice-1"})
    assert status == 201, payment
    return str(bank["bank_account_id"]), str(payment["payment_id"])


@pytest.mark.parametrize("route", PAYMENT_OBJECT_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_bank_accounts_and_payments_are_the_owners_only(world: World, route: Any) -> None:
    alice, bob = token_of(world, "summit", ALICE), token_of(world, "summit", BOB)
    bank_id, payment_id = _alices_bank_account_and_payment(world, alice)
    path = path_of(route.path, bank_account_id=bank_id, payment_id=payment_id)
    # Another user's object is the same 404 as a missing one
    missing = http(route.method, path_of(route.path), bob)
    assert missing[0] == 404
    assert http(route.method, path, bob) == missing
    # And the owner reaches it (last: these routes change it). Her bank account has a Pending payment: 409.
    own = http(route.method, path, alice)[0]
    assert own == (409 if route.method == "DELETE" else 202 if route.path.endswith("/cancel") else 200), own


def test_payment_lists_hold_only_the_users_own(world: World) -> None:
    alice, bob = token_of(world, "summit", ALICE), token_of(world, "summit", BOB)
    _alices_bank_account_and_payment(world, alice)
    assert len(http("GET", "/sites/summit/payments", alice)[1]["items"]) == 1
    assert http("GET", "/sites/summit/payments", bob)[1]["items"] == []
    assert http("GET", "/sites/summit/bank-accounts", bob)[1]["items"] == []
    options = http("GET", "/sites/summit/payments/options", bob)[1]
    assert [c["contract_id"] for c in options["contracts"]] == ["C-2"]
