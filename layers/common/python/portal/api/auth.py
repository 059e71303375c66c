"""The signed-in end user of a request, taken from the authorizer context of the proxy event.

API Gateway passes the REQUEST authorizer's `context` in `requestContext.authorizer`; the local gateway does
the same. Every handler takes the principal from there and checks it against the site in the path, so a
token of site A on site B's path is refused (403) even if a gateway cache or a misconfigured route let it
through. The principal itself is the domain's `EndUser`.
"""

from __future__ import annotations

from typing import Any

from portal.domain.errors import Forbidden, Unauthorized
from portal.domain.principal import EndUser


def principal_from_event(event: Any) -> EndUser:
    """The principal of a proxy event (`event` is the raw dict or a Powertools event object)."""
    raw = event.raw_event if hasattr(event, "raw_event") else event
    principal = EndUser.from_context(((raw or {}).get("requestContext") or {}).get("authorizer") or {})
    if principal is None:
        raise Unauthorized("Sign in to continue.")
    return principal


def principal_for_site(event: Any, site: str) -> EndUser:
    principal = principal_from_event(event)
    if principal.site_id != site:
        raise Forbidden("This sign-in belongs to another site.", code="wrong_site")
    return principal
