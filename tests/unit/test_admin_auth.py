"""Who a staff request is, from the claims the Cognito authorizer (or the local gateway) verified."""

from __future__ import annotations

import pytest

from local.events import api_event
from portal.api.admin_auth import require_admin, staff_from_event
from portal.domain.errors import Forbidden, Unauthorized


def _event(claims: dict[str, object] | None) -> dict[str, object]:
    return api_event("GET", "/admin/sites", api_id="admin", authorizer={"claims": claims} if claims else None)


@pytest.mark.parametrize(
    "groups", ['["portal-admins"]', "[portal-admins, portal-support]", "portal-admins", ["portal-admins"]]
)
def test_an_admin_may_write_whatever_way_the_gateway_renders_the_groups(groups: object) -> None:
    staff = staff_from_event(_event({"sub": "s-1", "email": "a@example.com", "cognito:groups": groups}))
    assert staff.may_write and require_admin(staff) is staff


def test_support_reads_but_may_not_write() -> None:
    staff = staff_from_event(_event({"sub": "s-2", "email": "s@example.com", "cognito:groups": "[portal-support]"}))
    assert staff.may_read and not staff.may_write
    with pytest.raises(Forbidden) as refused:
        require_admin(staff)
    assert refused.value.code == "read_only"


def test_a_pool_user_outside_the_staff_groups_reads_nothing() -> None:
    with pytest.raises(Forbidden):
        staff_from_event(_event({"sub": "s-3", "email": "x@example.com", "cognito:groups": "[]"}))


def test_no_claims_is_not_signed_in() -> None:
    with pytest.raises(Unauthorized):
        staff_from_event(_event(None))
