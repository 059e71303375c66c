"""The admin function imports a concern's router on the first request for it (cold start, issue #10): every admin
route of the route table must still land on the router that serves it, and a cold start loads none of them."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from portal.api.routes import routes_for
from portal.config import table_env

ROOT = Path(__file__).resolve().parents[2]
WEB = "http://127.0.0.1:8080"
ADMIN_ROUTES = [r for r in routes_for("admin") if r.path.startswith("/admin/")]


def _concrete(template: str) -> str:
    return re.sub(r"\{\w+\}", "x1", template)


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_admin_route_lands_on_the_router_that_serves_it(route: Any, aws: None) -> None:
    admin_app = importlib.import_module("admin.app")
    # Given an admin route of the table, When its router is looked up by a concrete path
    name = admin_app.router_for(_concrete(route.path))
    # Then that router module registers the route's method and path
    assert name is not None, route.path
    router = importlib.import_module(f"admin.{name}").router
    rule = route.path.replace("{", "<").replace("}", ">")
    assert any(path == rule and route.method in methods for path, methods, *_ in router._routes), (name, rule)


def test_health_openapi_and_unknown_paths_need_no_router(aws: None) -> None:
    admin_app = importlib.import_module("admin.app")
    assert [admin_app.router_for(p) for p in ("/health", "/openapi.json", "/nowhere", "/admin", "/")] == [None] * 5


def test_a_cold_start_imports_no_router_and_the_first_request_only_its_own() -> None:
    # Given a fresh interpreter that imports the admin handler module as a cold start does
    program = """
import json, sys
import admin.app
from local.events import LambdaContextStub, api_event

ORIGIN = sys.argv[1]


def routers():
    return sorted(m for m in sys.modules if m.startswith("admin.") and m not in ("admin.app", "admin.common"))

at_start = routers()
status = admin.app.handler(api_event("GET", "/admin/sync"), LambdaContextStub("admin"))["statusCode"]
after_one = routers()
preflight = admin.app.handler(api_event("OPTIONS", "/admin/sync", headers={"Origin": ORIGIN}), LambdaContextStub("a"))
print(json.dumps([at_start, after_one, status, preflight]))
"""
    path = os.pathsep.join(str(ROOT / p) for p in ("layers/common/python", ".", "functions"))
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TABLE_", "ASPIRE_", "SYNC_", "_HAND"))}
    env = {**kept, **table_env("unit"), "PYTHONPATH": path, "AWS_DEFAULT_REGION": "us-east-1", "PORTAL_WEB_ORIGIN": WEB,
           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "CRITICAL"}  # fmt: skip
    result = subprocess.run(  # noqa: S603 - our own interpreter on our own module
        [sys.executable, "-c", program, WEB], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    at_start, after_one_request, status, preflight = json.loads(result.stdout.strip().splitlines()[-1])
    # Then no router was imported at cold start, and a request without a token loaded only the sync router
    assert at_start == []
    assert after_one_request == ["admin.models", "admin.sync"]
    assert status == 401
    # And a CORS preflight lists the methods of every admin route, as a resolver built with all routers did
    headers = {k.lower(): v[-1] for k, v in (preflight.get("multiValueHeaders") or {}).items()}
    headers.update({k.lower(): v for k, v in (preflight.get("headers") or {}).items()})
    assert preflight["statusCode"] == 204
    assert set(headers["access-control-allow-methods"].split(",")) == {r.method for r in ADMIN_ROUTES} | {"OPTIONS"}
