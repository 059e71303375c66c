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

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from portal.domain.errors import DomainError, Forbidden, Unauthorized

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


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_support_writes_before_validation(app: APIGatewayRestResolver) -> None:
    """Powertools validates a request body before the route (and its `require_admin`) runs, so a support token's
    write with a bad body would get the 422 listing the wrong fields. A write by support is 403 `read_only`
    whatever its body: the role decides first, then the body (admins keep their 422)."""
    handlers = app.exception_handler_manager
    invalid_answer = handlers.lookup_exception_handler(RequestValidationError)
    domain_answer = handlers.lookup_exception_handler(DomainError)
    if invalid_answer is None or domain_answer is None:
        raise RuntimeError("make_resolver's error handlers must be registered first")

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        if app.current_event.http_method not in READ_METHODS:
            try:
                require_admin(staff_from_event(app.current_event))
            except DomainError as refused:
                return domain_answer(refused)
        return invalid_answer(error)
