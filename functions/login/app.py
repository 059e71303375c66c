"""End-user API: site branding (and, with the sign-in work, login, enrollment and the signed-in user)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.api.resolver import make_resolver
from portal.observability import logger
from portal.services.sites import PublicSite, public_branding
from portal.wiring import Wiring

router = Router()
wiring = Wiring.from_env()


@router.get("/sites/<site>")
def get_site(site: str) -> PublicSite:
    return public_branding(site, wiring.sites)


app = make_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
