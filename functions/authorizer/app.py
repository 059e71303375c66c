"""REQUEST authorizer of the end-user API: verifies the session behind a Bearer token, server-side.

No or bad token, or a session that is revoked, idle for 30 minutes or 12 hours old → `Unauthorized` (API
Gateway answers 401). A live session of another site than the path's → a Deny policy (403). Otherwise an
Allow policy for the token's own site's paths only — API Gateway caches the answer per token and evaluates
the cached policy against later paths, so it must cover the whole site and nothing beyond it — with the
principal (site, user, session, linked accounts) as context for the functions.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
    HttpVerb,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.domain.errors import Unauthorized
from portal.observability import logger
from portal.wiring import Wiring

wiring = Wiring.from_env()


def _bearer(event: APIGatewayAuthorizerRequestEvent) -> str | None:
    scheme, _, token = (event.headers.get("authorization") or "").strip().partition(" ")  # case-insensitive
    return token.strip() or None if scheme.lower() == "bearer" else None


def _path_site(event: APIGatewayAuthorizerRequestEvent) -> str | None:
    site = (event.path_parameters or {}).get("site")
    if site:
        return str(site)
    parts = (event.path or "").split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "sites" and parts[2] else None


@logger.inject_lambda_context(log_event=False)
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
    token, site = _bearer(event), _path_site(event)
    if token is None:
        raise Exception("Unauthorized")  # the exact message API Gateway turns into a 401
    try:
        principal = wiring.sessions.authenticate(token)
    except Unauthorized:
        raise Exception("Unauthorized") from None
    if site != principal.site_id:
        logger.info("token of another site", extra={"token_site": principal.site_id, "user_id": principal.user_id})
        denied = APIGatewayAuthorizerResponse.from_route_arn(event.method_arn, principal.user_id)
        denied.deny_all_routes()
        return denied.asdict()
    allowed = APIGatewayAuthorizerResponse.from_route_arn(event.method_arn, principal.user_id, principal.context())
    # The site and everything below it, every method (`.../<stage>/*/sites/<site>` and `.../sites/<site>/*`).
    allowed.allow_route(HttpVerb.ALL.value, f"sites/{principal.site_id}")
    allowed.allow_route(HttpVerb.ALL.value, f"sites/{principal.site_id}/*")
    return allowed.asdict()
