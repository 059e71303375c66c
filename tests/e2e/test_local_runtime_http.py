"""`make run`'s runtime over real HTTP: DynamoDB Local on disk, the moto server, both gateways on loopback."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local import aws_local, bootstrap
from local.gateway import Gateway, GatewayServer
from local.runtime import Paths, Ports
from local.services import LocalServices, free_port, local_services

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dynamodb_local")]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServices, str, str]]:
    saved = dict(os.environ)
    paths = Paths(state=Path(tmp_path_factory.mktemp("state")))
    ports = Ports(enduser=free_port(), admin=free_port(), dynamodb=free_port(), moto=free_port())
    try:
        with local_services(paths, ports, serving=True) as services:
            bootstrap.ensure_portal_config()
            _rewire_handlers()
            verifier = aws_local.CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)
            enduser = GatewayServer(Gateway("enduser"), ports.enduser, log=lambda _: None).start()
            admin = GatewayServer(Gateway("admin", verifier), ports.admin, log=lambda _: None).start()
            try:
                yield services, enduser.url, admin.url
            finally:
                enduser.stop()
                admin.stop()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _rewire_handlers() -> None:
    """Handler modules are imported once per process (like a warm Lambda); an earlier test in this worker may
    have bound them to its own moto. Give them this runtime's adapters, as a cold start here would."""
    from local.gateway import function_module
    from portal.api.routes import ROUTES

    for name in {r.function for r in ROUTES} | {"authorizer"}:
        module = function_module(name)
        if hasattr(module, "wiring"):
            module.wiring = type(module.wiring).from_env()


def http(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_both_apis_answer_health_and_openapi(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, admin = runtime
    for base in (enduser, admin):
        assert http(f"{base}/health") == (200, {"status": "ok"})
        status, document = http(f"{base}/openapi.json")
        assert status == 200 and document["openapi"].startswith("3.")


def test_a_demo_site_shows_its_branding(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, _ = runtime
    status, body = http(f"{enduser}/sites/careline")
    assert status == 200 and body["display_name"] == "CareLine Medical Leasing"
    assert body["login_branding"]["button_color"].startswith("#")


def test_unknown_routes_are_404_and_malformed_json_400_never_500(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, admin = runtime
    for url in (f"{enduser}/nowhere", f"{admin}/nowhere", f"{enduser}/sites/nosuchsite"):
        status, body = http(url)
        assert status == 404 and set(body["error"]) == {"code", "message"}
    status, body = http(f"{enduser}/sites/summit/auth/login", "POST", b"{not json")
    assert status == 400 and body["error"]["code"] == "malformed_request"
    status, body = http(f"{enduser}/sites/summit", "DELETE")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_admin_tokens_verify_against_the_pools_jwks(runtime: tuple[LocalServices, str, str]) -> None:
    services, _, _ = runtime
    verifier = aws_local.CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)
    token = aws_local.admin_token(services.moto_endpoint, services.admin_pool, "support@example.com")
    claims = verifier(token)
    assert claims is not None and json.loads(claims["cognito:groups"]) == ["portal-support"]
    header, payload, signature = token.split(".")
    assert verifier(f"{header}.{payload}.{signature[::-1]}") is None
    assert verifier("not-a-jwt") is None
