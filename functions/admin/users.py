"""A site's users (`/admin/sites/{site}/users...`): search, create, edit, and the account actions (PRODUCT.md §4)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from admin import common
from admin import models as m
from portal.services.identity.models import UserStatus

router = Router()
USERS = "/admin/sites/<site>/users"


@router.get(USERS, tags=["users"])
def search_users(site: str, query: Annotated[m.UserSearchQuery, Query()]) -> dict[str, Any]:
    staff = common.reader(router.current_event)
    scope = common.page_scope(staff, site, f"users?q={query.q or ''}&status={query.status or ''}")
    return common.wiring.admin_users.search(scope, site, query.q, query.status, query.limit, query.next_token)


@router.post(USERS, tags=["users"], status_code=201)
def create_user(site: str, body: m.UserCreate) -> dict[str, Any]:
    actor = common.writer(router.current_event)
    users = common.wiring.admin_users
    return users.create(actor, site, body.email, body.first_name, body.last_name, body.account_ids)


@router.get(f"{USERS}/<user_id>", tags=["users"])
def get_user(site: str, user_id: str) -> dict[str, Any]:
    common.reader(router.current_event)
    return common.wiring.admin_users.get(site, user_id)


@router.patch(f"{USERS}/<user_id>", tags=["users"])
def update_user(site: str, user_id: str, body: m.UserPatch) -> dict[str, Any]:
    actor = common.writer(router.current_event)
    body.refuse("email", "site_id")
    return common.wiring.admin_users.update(actor, site, user_id, body.changes())


@router.post(f"{USERS}/<user_id>/reset-password", tags=["users"])
def reset_password(site: str, user_id: str) -> Response[None]:
    common.wiring.admin_users.reset_password(common.writer(router.current_event), site, user_id)
    return Response(202)


@router.post(f"{USERS}/<user_id>/resend-registration", tags=["users"])
def resend_registration(site: str, user_id: str) -> Response[None]:
    common.wiring.admin_users.resend_registration(common.writer(router.current_event), site, user_id)
    return Response(202)


@router.post(f"{USERS}/<user_id>/deactivate", tags=["users"])
def deactivate(site: str, user_id: str) -> dict[str, Any]:
    actor = common.writer(router.current_event)
    return common.wiring.admin_users.set_status(actor, site, user_id, UserStatus.INACTIVE)


@router.post(f"{USERS}/<user_id>/reactivate", tags=["users"])
def reactivate(site: str, user_id: str) -> dict[str, Any]:
    actor = common.writer(router.current_event)
    return common.wiring.admin_users.set_status(actor, site, user_id, UserStatus.ACTIVE)
