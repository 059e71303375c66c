"""End-user API: `/health` and the OpenAPI document of every end-user route.

It includes the other end-user functions' routers only to describe them; requests for those paths are
routed to their own functions by API Gateway.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contracts.app import router as contracts_router
from login.app import router as login_router
from payments.app import bank_accounts as bank_accounts_router
from payments.app import payments_router
from portal.api.resolver import add_meta_routes, make_resolver
from portal.observability import logger, metrics

app = make_resolver(login_router, contracts_router, bank_accounts_router, payments_router)
add_meta_routes(app, title="Customer Portal end-user API")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
