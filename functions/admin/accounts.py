"""Admin account routes (read-only, any staff member): linkable-account search and who is linked to an account."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from admin import common
from admin.read_models import AccountSearchQuery, LinkedUsersQuery
from portal.api.admin_auth import staff_from_event
from portal.services import admin_accounts

router = Router()


@router.get("/admin/sites/<site>/accounts", tags=["admin: accounts"])
def search_accounts(site: str, query: Annotated[AccountSearchQuery, Query()]) -> admin_accounts.AccountSearchPage:
    staff = staff_from_event(router.current_event)
    return admin_accounts.search_accounts(
        site, query.q, query.limit, query.next_token, staff_sub=staff.sub, index=common.wiring.account_index,
        site_map=common.wiring.site_maps.get(),
    )  # fmt: skip


@router.get("/admin/sites/<site>/accounts/<account_id>/users", tags=["admin: accounts"])
def linked_users(site: str, account_id: str, query: Annotated[LinkedUsersQuery, Query()]) -> admin_accounts.LinkedUsers:
    staff_from_event(router.current_event)
    return admin_accounts.linked_users(
        site, account_id, query.status, common.wiring.identity_store, common.wiring.site_maps.get()
    )
