"""GET /sites/{site} and the error shape of API.md, through the real handlers on moto."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from typing import Any

import pytest

from local.events import LambdaContextStub, api_event
from portal.domain.settings import InstanceSettings, LoginBranding, Site


def call(function: str, event: dict[str, Any]) -> tuple[int, Any]:
    module = importlib.import_module(f"{function}.app")
    importlib.reload(module)  # a fresh Wiring bound to this test's moto
    response = module.handler(event, LambdaContextStub(function))
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


@pytest.fixture
def sites(aws: None) -> None:
    from portal.wiring import Wiring

    repo = Wiring.from_env().sites
    repo.put_site(Site(site_id="summit", display_name="Summit Equipment Finance", is_default=True, mfa_enabled=False))
    repo.put_site(
        Site(site_id="harvest", display_name="Harvest Ag Finance", private_labels=("AGRI",), payments_enabled=False)
    )
    repo.put_settings(
        InstanceSettings(mfa_all_sites=True, login_branding=LoginBranding(support_email="help@summit.example"))
    )


def test_site_branding_is_public_and_merges_the_instance_switches(sites: None, aws_calls: Counter[str]) -> None:
    # When anyone asks for a site's branding
    status, body = call(
        "login", api_event("GET", "/sites/harvest", resource="/sites/{site}", path_params={"site": "harvest"})
    )
    # Then it answers with the site's branding, MFA forced on by the instance switch, payments off
    assert status == 200
    assert body["display_name"] == "Harvest Ag Finance"
    assert body["mfa_required"] is True
    assert body["payments_enabled"] is False
    assert body["login_branding"]["support_email"] == "help@summit.example"
    assert "private_labels" not in body  # internal mapping is not public
    # And it cost one BatchGetItem, no Scan
    assert aws_calls["dynamodb.BatchGetItem"] == 1
    assert not any(op.endswith(".Scan") for op in aws_calls)


@pytest.mark.parametrize("site", ["nowhere", "UPPER", "a", "x.y"])
def test_unknown_or_malformed_site_is_404_in_the_error_shape(sites: None, site: str) -> None:
    status, body = call(
        "login", api_event("GET", f"/sites/{site}", resource="/sites/{site}", path_params={"site": site})
    )
    assert status == 404
    assert set(body) == {"error"} and body["error"]["code"] == "site_not_found" and body["error"]["message"]


def test_a_site_id_that_cannot_be_a_key_is_404(sites: None) -> None:
    status, body = call("login", api_event("GET", "/sites/x#y", resource="/sites/{site}", path_params={"site": "x#y"}))
    assert status == 404 and body["error"]["code"] in {"site_not_found", "not_found"}


def test_unknown_route_is_404_in_the_error_shape(sites: None) -> None:
    status, body = call("login", api_event("GET", "/sites/summit/nope", resource="/sites/summit/nope"))
    assert status == 404 and body["error"]["code"] == "not_found"


def test_health_and_openapi(sites: None) -> None:
    status, body = call("meta", api_event("GET", "/health"))
    assert (status, body) == (200, {"status": "ok"})
    status, document = call("meta", api_event("GET", "/openapi.json"))
    assert status == 200 and document["openapi"].startswith("3.")
    assert "/sites/{site}" in document["paths"]
    status, document = call("admin", api_event("GET", "/openapi.json", api_id="admin"))
    assert status == 200 and document["info"]["title"] == "Customer Portal admin API"
