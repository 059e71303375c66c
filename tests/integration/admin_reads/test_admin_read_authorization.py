"""Who may call the admin read routes, through the local gateway (route table, token check, handlers): no token
and an end-user token are 401, a pool user outside the staff groups 403, support and admin members 200.

The admin pool's JWT verification itself is tested against the local Cognito in
tests/e2e/test_local_runtime_http.py; here the gateway gets a verifier that knows three issued tokens, so every
other string (an end-user session token included) is refused exactly as an unverifiable JWT is.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from local.gateway import Gateway
from portal.api.routes import ROUTES
from tests.integration.admin_reads.admin_reads_kit import ADMIN, SUPPORT, AdminWorld
from tests.integration.identity.kit import PASSWORD

NOT_STAFF = {"sub": "pool-user", "email": "x@example.com", "cognito:groups": "[]"}
ISSUED = {"support-token": SUPPORT, "admin-token": ADMIN, "not-staff-token": NOT_STAFF}
READS = {
    "/admin/sites/{site}/accounts": {"q": "cedar"},
    "/admin/sites/{site}/accounts/{account_id}/users": {},
    "/admin/sites/{site}/diagnostics/contract-visibility": {"user_id": "u-1", "contract_id": "C-1"},
    "/admin/sites/{site}/diagnostics/account-linkability": {"account_id": "A-1"},
    "/admin/sites/{site}/diagnostics/enrollment": {"email": "pat@example.com"},
}
ROUTES_UNDER_TEST = [r for r in ROUTES if r.api == "admin" and r.path in READS]


def http(route: Any, token: str | None) -> tuple[int, Any]:
    path = route.path.replace("{site}", "summit").replace("{account_id}", "A-1")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Gateway("admin", ISSUED.get).handle("GET", f"{path}?{urlencode(READS[route.path])}", headers, None)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_every_read_route_is_in_the_route_table() -> None:
    assert {r.path for r in ROUTES_UNDER_TEST} == set(READS)
    assert all(r.auth == "admin" and r.function == "admin" for r in ROUTES_UNDER_TEST)


def signed_in_end_user(admin: AdminWorld) -> str:
    admin.world.user("summit", "pat@example.com", accounts=("A-1",))
    body = json.dumps({"email": "pat@example.com", "password": PASSWORD}).encode()
    response = Gateway("enduser").handle("POST", "/sites/summit/auth/login", {"Content-Type": "application/json"}, body)
    assert response["statusCode"] == 200, response
    return str(json.loads(response["body"])["access_token"])


@pytest.mark.parametrize("route", ROUTES_UNDER_TEST, ids=lambda r: r.path)
def test_who_may_read(admin: AdminWorld, route: Any) -> None:
    # Given an end user signed in on summit (a real session token of the end-user API)
    enduser_token = signed_in_end_user(admin)
    assert http(route, None)[0] == 401
    assert http(route, enduser_token)[0] == 401
    assert http(route, "tampered" + "support-token")[0] == 401
    status, body = http(route, "not-staff-token")
    assert status == 403 and body["error"]["code"] == "not_staff"
    assert http(route, "support-token")[0] == 200
    assert http(route, "admin-token")[0] == 200
