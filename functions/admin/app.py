"""Admin API (Cognito): `/health`, the OpenAPI document, and the staff routes as they land."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from admin import accounts, diagnostics
from portal.api.resolver import add_meta_routes, make_resolver
from portal.observability import logger, metrics

router = Router()
app = make_resolver(router)
app.include_router(accounts.router)  # account search, reverse lookup (admindiag)
app.include_router(diagnostics.router)  # diagnostics 1-3 (admindiag)
add_meta_routes(app, title="Customer Portal admin API")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
