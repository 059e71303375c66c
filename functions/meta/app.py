"""End-user API: `/health` and the OpenAPI document of every end-user route.

It includes the other end-user functions' routers only to describe them; requests for those paths are
routed to their own functions by API Gateway. Those routers (and their models) are imported on the first
request for the document, not at cold start: `/health` must not pay for every route's models.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.api.resolver import add_meta_routes, make_resolver
from portal.observability import logger, metrics


@cache
def described() -> APIGatewayRestResolver:
    """A resolver holding every end-user route, to generate the OpenAPI document from."""
    from contracts.app import router as contracts_router
    from login.app import router as login_router
    from payments.app import bank_accounts as bank_accounts_router
    from payments.app import payments_router

    return make_resolver(login_router, contracts_router, bank_accounts_router, payments_router)


app = make_resolver()
add_meta_routes(app, title="Customer Portal end-user API", described=described)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
