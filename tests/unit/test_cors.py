"""CORS for the web front end: the APIs (shared resolver) and the local gateway's preflight answer the configured
web origin only, and nothing at all when no origin is configured."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Router

from local.events import LambdaContextStub, api_event
from local.gateway import Gateway
from portal.api.resolver import cors_config, make_resolver

WEB = "http://127.0.0.1:8080"
router = Router()


@router.get("/things/<thing>")
def get_thing(thing: str) -> dict[str, str]:
    return {"thing": thing}


def answer(monkeypatch: pytest.MonkeyPatch, origin_setting: str | None, origin: str) -> dict[str, str]:
    if origin_setting is None:
        monkeypatch.delenv("PORTAL_WEB_ORIGIN", raising=False)
    else:
        monkeypatch.setenv("PORTAL_WEB_ORIGIN", origin_setting)
    app = make_resolver(router)  # built at import time in a function: the setting of its cold start
    response: dict[str, Any] = app.resolve(
        api_event("GET", "/things/a", headers={"Origin": origin}), LambdaContextStub("unit")
    )
    assert response["statusCode"] == 200
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    return {k.lower(): v for k, v in {**headers, **(response.get("headers") or {})}.items()}


def test_the_api_allows_the_web_origin_with_the_headers_the_app_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = answer(monkeypatch, WEB, WEB)
    assert headers["access-control-allow-origin"] == WEB
    allowed = set(headers["access-control-allow-headers"].split(","))
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= allowed
    assert headers["access-control-max-age"] == "600"


def test_another_origin_gets_no_allow_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "access-control-allow-origin" not in answer(monkeypatch, WEB, "https://evil.example")


@pytest.mark.parametrize("setting", [None, "", "   "])
def test_no_origin_configured_means_no_cors_headers(monkeypatch: pytest.MonkeyPatch, setting: str | None) -> None:
    headers = answer(monkeypatch, setting, WEB)
    assert not [name for name in headers if name.startswith("access-control-")]
    assert cors_config({} if setting is None else {"PORTAL_WEB_ORIGIN": setting}) is None


def preflight(gateway: Gateway, path: str, origin: str, **extra: str) -> dict[str, Any]:
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET", **extra}
    return gateway.handle("OPTIONS", path, headers, None)


def test_the_gateway_answers_a_preflight_of_a_known_path_for_the_web_origin() -> None:
    gateway = Gateway("enduser", web_origin=WEB)
    response = preflight(gateway, "/sites/summit/contracts", WEB, **{"Access-Control-Request-Headers": "authorization"})
    headers = response["headers"]
    assert response["statusCode"] == 204
    assert headers["Access-Control-Allow-Origin"] == WEB
    assert headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type,Idempotency-Key"


def test_a_preflight_from_another_origin_gets_no_allow_headers() -> None:
    response = preflight(Gateway("enduser", web_origin=WEB), "/sites/summit/contracts", "https://evil.example")
    assert response["statusCode"] == 204 and response["headers"] == {}


def test_without_a_web_origin_a_preflight_allows_nothing() -> None:
    response = preflight(Gateway("enduser", web_origin=""), "/sites/summit/contracts", WEB)
    assert response["statusCode"] == 204 and response["headers"] == {}


def test_a_preflight_of_an_unknown_path_is_404_and_a_plain_options_stays_405() -> None:
    gateway = Gateway("enduser", web_origin=WEB)
    assert preflight(gateway, "/nowhere", WEB)["statusCode"] == 404
    plain = gateway.handle("OPTIONS", "/sites/summit/contracts", {"Origin": WEB}, None)
    assert plain["statusCode"] == 405 and '"method_not_allowed"' in plain["body"]


def test_the_local_runtime_sets_the_local_web_origin() -> None:
    from local.runtime import Paths, handler_environment

    env = handler_environment(Paths(), "http://127.0.0.1:1", "http://127.0.0.1:2")
    assert env["PORTAL_WEB_ORIGIN"].startswith("http://127.0.0.1:")


def test_the_gateways_own_errors_carry_the_allow_origin_for_the_web_origin_only() -> None:
    # A 401 of the authorizer, say, must reach the app as a 401 and not as a CORS failure
    gateway = Gateway("enduser", web_origin=WEB)
    mine = gateway.handle("GET", "/nowhere", {"Origin": WEB}, None)
    other = gateway.handle("GET", "/nowhere", {"Origin": "https://evil.example"}, None)
    assert mine["statusCode"] == other["statusCode"] == 404
    assert mine["headers"]["Access-Control-Allow-Origin"] == WEB
    assert "Access-Control-Allow-Origin" not in other["headers"]
