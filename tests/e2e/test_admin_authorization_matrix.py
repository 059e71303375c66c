"""The admin authorization matrix: every admin route of ROUTES x (no token, expired, tampered, another pool's
token, an end-user token, support, admin), through the local gateway's Cognito verification
(`local.aws_local.CognitoJwtVerifier`: signature by the pool's JWKS, issuer, expiry, token use) and the admin
function's group checks; and admin tokens never work on the end-user API.

The pool is moto's (in-process). Moto signs every pool's tokens with one published key pair, so the keys are
read from moto's own JWKS file, and the expired token is signed with moto's private key: what the verifier
checks is exactly what it checks against the local pool of `make run`.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path
from typing import Any

import boto3
import jwt
import moto
import pytest

from local import aws_local
from local.gateway import Gateway
from portal.api.routes import ROUTES, Route
from tests.integration.admin.admin_kit import bind_admin, linkable_account
from tests.integration.identity.kit import PASSWORD, bind_functions, open_world

pytestmark = pytest.mark.e2e

ADMIN_ROUTES = [r for r in ROUTES if r.api == "admin" and r.auth == "admin"]
ENDUSER_ROUTES = [r for r in ROUTES if r.api == "enduser" and r.auth == "enduser"]
_KEYS = Path(os.path.dirname(moto.__file__)) / "cognitoidp" / "resources"


def _moto_jwks(name: str) -> dict[str, Any]:
    return json.loads(gzip.decompress((_KEYS / name).read_bytes()))


class MotoJwks:
    """The JWKS the verifier fetches from the pool's well-known URL, here from moto's own key file."""

    def __init__(self) -> None:
        self._keys = jwt.PyJWKSet.from_dict(_moto_jwks("jwks-public.json.gz"))

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token)["kid"]
        return next(k for k in self._keys.keys if k.key_id == kid)


def _pool(cognito: Any, name: str) -> aws_local.AdminPool:
    pool_id = cognito.create_user_pool(PoolName=name, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})[
        "UserPool"
    ]["Id"]
    for group in aws_local.ADMIN_GROUPS:
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    for email, password, group in aws_local.DEMO_ADMINS:
        cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": email}])  # fmt: skip
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="admin-console", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return aws_local.AdminPool(pool_id, client_id)


def _token(cognito: Any, pool: aws_local.AdminPool, email: str) -> str:
    password = next(p for e, p, _ in aws_local.DEMO_ADMINS if e == email)
    result = cognito.admin_initiate_auth(UserPoolId=pool.pool_id, ClientId=pool.client_id,
                                         AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": email, "PASSWORD": password})  # fmt: skip
    return str(result["AuthenticationResult"]["IdToken"])


def _expired(token: str) -> str:
    """The same claims, expired an hour ago, signed with the pool's (moto's) private key."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    private = jwt.PyJWK(_moto_jwks("jwks-private.json.gz"))
    return jwt.encode(claims, private.key, algorithm="RS256", headers={"kid": private.key_id})


def _tampered(token: str) -> str:
    """The payload edited to claim portal-admins; the signature no longer matches."""
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["cognito:groups"] = ["portal-admins"]
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


@pytest.fixture
def matrix(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    world = open_world(tmp_path, monkeypatch)
    bind_functions(world, "contracts")
    bind_admin(world)
    linkable_account(world, "summit", "A-1", "C-1")
    user_id = world.user("summit", "pat@example.com")
    cognito = boto3.client("cognito-idp")
    pool, other_pool = _pool(cognito, aws_local.ADMIN_POOL_NAME), _pool(cognito, "someone-elses-pool")
    verifier = aws_local.CognitoJwtVerifier("http://unused.invalid", pool)
    verifier._jwks = MotoJwks()  # type: ignore[assignment]  # the well-known URL, from the file
    support = _token(cognito, pool, "support@example.com")
    credentials = json.dumps({"email": "pat@example.com", "password": PASSWORD}).encode()
    login = Gateway("enduser").handle(
        "POST", "/sites/summit/auth/login", {"Content-Type": "application/json"}, credentials
    )
    tokens = {
        "none": None,
        "expired": _expired(_token(cognito, pool, "admin@example.com")),
        "tampered": _tampered(support),
        "other_pool": _token(cognito, other_pool, "admin@example.com"),
        "enduser": json.loads(login["body"])["access_token"],
        "support": support,
        "admin": _token(cognito, pool, "admin@example.com"),
    }
    return {"world": world, "gateway": Gateway("admin", verifier), "tokens": tokens, "user_id": user_id}


# Valid bodies, so a refusal is the authorization's and not the body validation's.
BODIES: dict[str, Any] = {
    "/admin/settings": {"mfa_all_sites": False},
    "/admin/sites": {"site_id": "granite", "display_name": "Granite"},
    "/admin/sites/{site}": {"display_name": "Summit"},
    "/admin/sites/{site}/users": {"email": "new@example.com", "first_name": "N", "last_name": "U"},
    "/admin/sites/{site}/users/{user_id}": {"first_name": "Pat"},
}
# The read routes whose query is required (the answer itself is the diagnostics' tests' business).
QUERIES: dict[str, str] = {
    "/admin/sites/{site}/accounts": "q=account",
    "/admin/sites/{site}/diagnostics/contract-visibility": "user_id={user_id}&contract_id=C-1",
    "/admin/sites/{site}/diagnostics/account-linkability": "account_id=A-1",
    "/admin/sites/{site}/diagnostics/enrollment": "email=pat%40example.com",
}


def _call(gateway: Gateway, route: Route, token: str | None, user_id: str) -> tuple[int, Any]:
    path = route.path.replace("{site}", "summit").replace("{user_id}", user_id)
    if route.path in QUERIES:
        path += "?" + QUERIES[route.path].replace("{user_id}", user_id)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(BODIES.get(route.path, {})).encode() if route.method in ("POST", "PUT", "PATCH") else None
    response = gateway.handle(route.method, path, headers, body)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_admin_route_by_token(matrix: dict[str, Any], route: Route) -> None:
    gateway, tokens, user_id = matrix["gateway"], matrix["tokens"], matrix["user_id"]
    # Tokens the gateway must refuse before the function runs
    for kind in ("none", "expired", "tampered", "other_pool", "enduser"):
        status, body = _call(gateway, route, tokens[kind], user_id)
        assert (status, body["error"]["code"]) == (401, "unauthorized"), (kind, status, body)
    # Support reads; every write is 403 read_only
    status, body = _call(gateway, route, tokens["support"], user_id)
    # A route about one payment reaches its function (a payment of this world that does not exist: 404)
    missing = (404, "not_found") if "{payment_id}" in route.path else None
    if route.method == "GET":
        assert status == 200 or (status, body["error"]["code"]) == missing, body
    else:
        assert (status, body["error"]["code"]) == (403, "read_only"), body
    # An admin may call every route (a state a route refuses, like resending to an Active user, is 409)
    status, body = _call(gateway, route, tokens["admin"], user_id)
    assert status < 300 or status == 409 or (status, body["error"]["code"]) == missing, body


@pytest.mark.parametrize("route", ENDUSER_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_admin_tokens_never_work_on_the_end_user_api(matrix: dict[str, Any], route: Route) -> None:
    path = route.path.replace("{site}", "summit").replace("{contract_id}", "C-1")
    for kind in ("admin", "support"):
        headers = {"Authorization": f"Bearer {matrix['tokens'][kind]}", "Content-Type": "application/json"}
        response = Gateway("enduser").handle(route.method, path, headers, b"{}" if route.method != "GET" else None)
        assert response["statusCode"] == 401, (kind, response)


WRITE_ROUTES = [r for r in ADMIN_ROUTES if r.method != "GET"]


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_a_support_write_is_403_whatever_its_body(matrix: dict[str, Any], route: Route) -> None:
    gateway, tokens, user_id = matrix["gateway"], matrix["tokens"], matrix["user_id"]
    path = route.path.replace("{site}", "summit").replace("{user_id}", user_id)
    headers = {"Content-Type": "application/json"}
    # Given a write whose body the route would refuse (an unknown field, required fields missing)
    body = json.dumps({"no_such_field": 1}).encode()
    # When support sends it / Then the answer is the role's 403, never which fields were wrong
    response = gateway.handle(route.method, path, {**headers, "Authorization": f"Bearer {tokens['support']}"}, body)
    assert (response["statusCode"], json.loads(response["body"])["error"]["code"]) == (403, "read_only"), response
    # And an admin still gets the body's 422 where the route takes a body
    if route.path in BODIES:
        response = gateway.handle(route.method, path, {**headers, "Authorization": f"Bearer {tokens['admin']}"}, body)
        assert (response["statusCode"], json.loads(response["body"])["error"]["code"]) == (422, "validation_failed")
