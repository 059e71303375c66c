"""The audit log (`GET /admin/audit`): newest first, by site and `since` (PRODUCT.md §7). Read only: no route
changes or deletes an entry."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from admin import common
from admin import models as m

router = Router()


@router.get("/admin/audit", tags=["audit"])
def audit_log(query: Annotated[m.AuditQuery, Query()]) -> dict[str, Any]:
    staff = common.reader(router.current_event)
    since = query.since.isoformat() if query.since else ""
    scope = common.page_scope(staff, query.site or "", f"audit?site={query.site or ''}&since={since}")
    entries, token = common.wiring.audit_log.page(scope, now=common.wiring.clock(), site_id=query.site,
                                                  since=query.since, limit=query.limit,
                                                  next_token=query.next_token)  # fmt: skip
    return {"entries": entries, "next_token": token}
