"""REQUEST authorizer of the end-user API: verifies the session behind a Bearer token, server-side.

No or bad token, or a session that is revoked, idle for 30 minutes or 12 hours old → `Unauthorized` (API
Gateway answers 401). A live session of another site than the path's → a Deny policy (403). Otherwise an
Allow policy for the token's own site's paths only — API Gateway caches the answer per token and evaluates
the cached policy against later paths, so it must cover the whole site and nothing beyond it — with the
principal (site, user, session, linked accounts) as context for the functions.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.api.auth import EndUserPrincipal
from portal.domain.errors import Unauthorized
from portal.observability import logger
from portal.wiring import Wiring

wiring = Wiring.from_env()
_SITE_IN_PATH = re.compile(r"^/sites/([^/]+)")


def _bearer(event: dict[str, Any]) -> str | None:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _path_site(event: dict[str, Any]) -> str | None:
    site = (event.get("pathParameters") or {}).get("site")
    if site:
        return str(site)
    match = _SITE_IN_PATH.match(str(event.get("path") or ""))
    return match.group(1) if match else None


def site_resources(method_arn: str, site: str) -> list[str]:
    """`arn:aws:execute-api:<region>:<account>:<api>/<stage>/*/sites/<site>` and everything below it."""
    api_arn, _, rest = method_arn.partition("/")
    base = f"{api_arn}/{rest.split('/', 1)[0]}/*/sites/{site}"
    return [base, f"{base}/*"]


def policy(
    principal_id: str, effect: str, resources: list[str], context: dict[str, str] | None = None
) -> dict[str, Any]:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}],
    }
    return {"principalId": principal_id, "policyDocument": document, **({"context": context} if context else {})}


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token, site = _bearer(event), _path_site(event)
    if token is None:
        raise Exception("Unauthorized")  # the exact message API Gateway turns into a 401
    try:
        session = wiring.sessions.authenticate(token)
    except Unauthorized:
        raise Exception("Unauthorized") from None
    if site != session.site_id:
        logger.info("token of another site", extra={"token_site": session.site_id, "user_id": session.user_id})
        return policy(session.user_id, "Deny", site_resources(event["methodArn"], site or "*"))
    principal = EndUserPrincipal(session.site_id, session.user_id, session.session_id, session.account_ids)
    return policy(session.user_id, "Allow", site_resources(event["methodArn"], site), principal.context())
