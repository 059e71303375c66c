"""The signed-in end user as the authorizer established it: the only source of keys for reading data.

API Gateway passes the REQUEST authorizer's `context` (string values only) in
`requestContext.authorizer`; the local gateway does the same. Every handler takes the principal from
there and checks it against the site in the path, so a token of site A on site B's path is refused (403)
even if a gateway cache or a misconfigured route let it through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.domain.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class EndUserPrincipal:
    site_id: str
    user_id: str
    session_id: str
    account_ids: tuple[str, ...]

    def context(self) -> dict[str, str]:
        """The authorizer `context` that carries this principal (API Gateway allows only flat strings)."""
        return {
            "site_id": self.site_id,
            "user_id": self.user_id,
            "session_id": self.session_id,
            "account_ids": ",".join(self.account_ids),
        }


def principal_from_event(event: Any) -> EndUserPrincipal:
    """The principal of a proxy event (`event` is the raw dict or a Powertools event object)."""
    raw = event.raw_event if hasattr(event, "raw_event") else event
    context = ((raw or {}).get("requestContext") or {}).get("authorizer") or {}
    site_id, user_id, session_id = context.get("site_id"), context.get("user_id"), context.get("session_id")
    if not (site_id and user_id and session_id):
        raise Unauthorized("Sign in to continue.")
    accounts = tuple(a for a in str(context.get("account_ids") or "").split(",") if a)
    return EndUserPrincipal(str(site_id), str(user_id), str(session_id), accounts)


def principal_for_site(event: Any, site: str) -> EndUserPrincipal:
    principal = principal_from_event(event)
    if principal.site_id != site:
        raise Forbidden("This sign-in belongs to another site.", code="wrong_site")
    return principal
