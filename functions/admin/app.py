"""Admin API (Cognito): `/health`, the OpenAPI document, and the staff routes, one router per concern.

Each router module holds the routes of one concern (sites and settings, users, sync, audit); this module only
assembles them. Staff come from the verified Cognito claims (`admin.common`); every write calls
`require_admin` before it changes anything.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from admin import accounts, audit, diagnostics, payments, sites, sync, users
from portal.api.admin_auth import refuse_support_writes_before_validation
from portal.api.resolver import add_meta_routes, make_resolver
from portal.observability import logger, metrics

app = make_resolver(
    sites.router,
    users.router,
    sync.router,
    audit.router,
    payments.router,
    accounts.router,
    diagnostics.router,
)
add_meta_routes(app, title="Customer Portal admin API")
refuse_support_writes_before_validation(app)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
