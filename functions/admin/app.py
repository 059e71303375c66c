"""Admin API (Cognito): `/health`, the OpenAPI document, and the staff routes, one router per concern.

Each router module holds the routes of one concern (sites and settings, users, sync, audit, payments, accounts,
diagnostics); this module only assembles them. Staff come from the verified Cognito claims (`admin.common`);
every write calls `require_admin` before it changes anything.

A router module is imported, and its routes added to the one resolver, on the first request for a path of its
concern (`router_for`), not at cold start: a container answering user searches never loads the diagnostics,
the payment ledger or the site models (issue #10: the admin cold start was 1.39x the floor with all seven).
Every route is still served by the same resolver, so the answers are those of a resolver built with all
routers at once; a CORS preflight and the OpenAPI document take every router first (they describe them all).
A Powertools router may belong to one resolver only (it reads the request from it), hence one that grows.
"""

from __future__ import annotations

import importlib
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from admin import common  # noqa: F401 - the container's wiring: its settings are validated at cold start
from portal.api.admin_auth import refuse_support_writes_before_validation
from portal.api.resolver import add_meta_routes, make_resolver
from portal.observability import logger, metrics

# The router module of each admin path by its leading segments, in API Gateway resource syntax ("{...}" is any
# one segment), the most specific first. tests/unit/test_admin_lazy_routers.py checks that every admin route of
# `portal.api.routes.ROUTES` lands on the router that serves it.
ROUTERS: tuple[tuple[str, str], ...] = (
    ("/admin/sites/{site}/users/{user_id}/payments", "payments"),
    ("/admin/sites/{site}/payments", "payments"),
    ("/admin/sites/{site}/diagnostics/payments", "payments"),
    ("/admin/sites/{site}/diagnostics", "diagnostics"),
    ("/admin/sites/{site}/accounts", "accounts"),
    ("/admin/sites/{site}/users", "users"),
    ("/admin/sites", "sites"),
    ("/admin/settings", "sites"),
    ("/admin/sync", "sync"),
    ("/admin/audit", "audit"),
)
# The order the routers were included in when all were imported at cold start (the OpenAPI document's order).
ALL_ROUTERS = ("sites", "users", "sync", "audit", "payments", "accounts", "diagnostics")


def router_for(path: str) -> str | None:
    """The router module (under `admin.`) that serves `path`, or None (`/health`, `/openapi.json`, unknown)."""
    segments = path.strip("/").split("/")
    for prefix, name in ROUTERS:
        wanted = prefix.strip("/").split("/")
        if len(segments) >= len(wanted) and all(
            w.startswith("{") or w == s for w, s in zip(wanted, segments, strict=False)
        ):
            return name
    return None


_app = make_resolver()
_included: list[str] = []


def _include(*names: str) -> APIGatewayRestResolver:
    for name in names:
        if name not in _included:
            _app.include_router(importlib.import_module(f"admin.{name}").router)
            _included.append(name)
    return _app


def every_route() -> APIGatewayRestResolver:
    """The resolver with every router included (the OpenAPI document, a preflight, the route-table tests)."""
    return _include(*ALL_ROUTERS)


add_meta_routes(_app, title="Customer Portal admin API", described=every_route)
refuse_support_writes_before_validation(_app)


def __getattr__(name: str) -> Any:
    # `admin.app.app`, as every function module has it: the resolver with all its routes.
    if name == "app":
        return every_route()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if str(event.get("httpMethod", "")).upper() == "OPTIONS":
        every_route()  # the preflight's Access-Control-Allow-Methods lists the methods of every route
    elif (name := router_for(str(event.get("path") or ""))) is not None:
        _include(name)
    return _app.resolve(event, context)
