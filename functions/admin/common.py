"""What the admin routers share: the container's wiring and the staff member of the request.

Every route reads the staff member from the verified Cognito claims (`staff_from_event`); write routes take
`writer()`, which calls `require_admin` first, so a support token is refused before anything changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.api.admin_auth import StaffMember, require_admin, staff_from_event
from portal.wiring import Wiring

if TYPE_CHECKING:
    # Imported where used: the audit log's and the paging's modules are not needed before the first write or list.
    from portal.services.admin_audit import Actor
    from portal.services.pagination import PageScope

# In Lambda this validates `AdminSettings` (FUNCTION_SETTINGS["admin"]) at cold start.
wiring = Wiring.from_env()


def reader(event: Any) -> StaffMember:
    return staff_from_event(event)


def writer(event: Any) -> Actor:
    """The admin performing this write, and the route it goes through (the audit entry's `action`)."""
    from portal.services.admin_audit import Actor

    staff = require_admin(staff_from_event(event))
    raw = event.raw_event
    return Actor(staff.sub, staff.email, f"{raw.get('httpMethod', '')} {raw.get('resource', '')}")


def page_scope(staff: StaffMember, site_id: str, listing: str) -> PageScope:
    """A `next_token` of an admin list is bound to the staff member and the list's filters."""
    from portal.services.pagination import PageScope

    return PageScope(site_id or "-", staff.sub, "admin", listing)
