"""The staff member behind an admin API request, from the Cognito claims the gateway verified.

In AWS the admin REST API's Cognito user-pool authorizer verifies the token and passes its claims in
`requestContext.authorizer.claims`; locally the gateway verifies it against the local pool's JWKS and passes
the same. Group `portal-admins` may write, `portal-support` may only read (PRODUCT.md §7): every write route
calls `require_admin`, so a support token gets 403 and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from portal.domain.errors import Forbidden, Unauthorized

ADMINS = "portal-admins"
SUPPORT = "portal-support"


@dataclass(frozen=True)
class StaffMember:
    sub: str
    email: str
    groups: frozenset[str]

    @property
    def may_write(self) -> bool:
        return ADMINS in self.groups

    @property
    def may_read(self) -> bool:
        return bool(self.groups & {ADMINS, SUPPORT})


def _groups(raw: Any) -> frozenset[str]:
    """`cognito:groups` arrives as a list, a JSON list string, or API Gateway's "[a, b]" / "a,b" rendering."""
    if isinstance(raw, list | tuple):
        return frozenset(str(g).strip() for g in raw if str(g).strip())
    text = str(raw or "").strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text.strip("[]").replace(",", " ").split()
        return frozenset(str(g).strip() for g in parsed if str(g).strip())
    return frozenset(part.strip() for part in text.replace(",", " ").split() if part.strip())


def staff_from_event(event: Any) -> StaffMember:
    """The verified staff member of a proxy event (raw dict or Powertools event); Unauthorized/Forbidden else.

    A token of the admin pool without one of the two staff groups reads nothing."""
    raw = event.raw_event if hasattr(event, "raw_event") else event
    authorizer = ((raw or {}).get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    sub = str(claims.get("sub") or "")
    if not sub:
        raise Unauthorized("Sign in with an admin account.")
    staff = StaffMember(sub, str(claims.get("email") or ""), _groups(claims.get("cognito:groups")))
    if not staff.may_read:
        raise Forbidden("This account is not a member of a portal staff group.", code="not_staff")
    return staff


def require_admin(staff: StaffMember) -> StaffMember:
    """Write routes: members of portal-admins only (portal-support reads)."""
    if not staff.may_write:
        raise Forbidden("Support accounts can read but not change anything.", code="read_only")
    return staff
