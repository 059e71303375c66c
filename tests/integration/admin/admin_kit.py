"""What the admin API tests share: requests as API Gateway delivers them after its Cognito authorizer.

The claims are the ones the authorizer passes (`requestContext.authorizer.claims`, groups as a string); the
token verification itself is tested through the local gateway (tests/e2e/test_admin_authorization_matrix.py).
"""

from __future__ import annotations

import importlib
from typing import Any

from local.events import api_event
from portal.adapters.dynamodb.codec import from_item
from portal.api.routes import resolve
from tests.integration.identity.kit import World, call

ADMIN = {"sub": "sub-admin-1", "email": "admin@example.com", "cognito:groups": "[portal-admins]"}
SUPPORT = {"sub": "sub-support-1", "email": "support@example.com", "cognito:groups": "[portal-support]"}


def bind_admin(world: World) -> None:
    """Points the admin routers' wiring at the world (moto, its clock, cheap hashes, recorded customer syncs)."""
    common = importlib.import_module("admin.common")
    common.wiring = world.wiring  # type: ignore[attr-defined]
    # A customer sync the admin starts is recorded by the world rather than run against ASPIRE.
    object.__setattr__(world.wiring, "customer_sync", lambda accounts: world.synced.append(list(accounts)))


def admin(
    method: str,
    path: str,
    body: Any = None,
    *,
    query: dict[str, str] | None = None,
    claims: dict[str, str] | None = ADMIN,
) -> tuple[int, Any]:
    found = resolve("admin", method, path)
    assert found, f"no admin route serves {method} {path}"
    route, params = found
    event = api_event(method, path, resource=route.path, path_params=params or None, body=body, query=query,
                      api_id="admin")  # fmt: skip
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    status, payload, _ = call("admin", event)
    return status, payload


def audit_entries(world: World) -> list[dict[str, Any]]:
    """Every audit entry in the control table (a Scan: fine in a test, never in the portal)."""
    client = world.wiring.dynamodb
    items = client.scan(TableName=world.wiring.settings.table_control)["Items"]
    return sorted((from_item(i) for i in items if i["pk"]["S"].startswith("AUDIT#")), key=lambda e: e["sk"])


def linkable_account(world: World, site: str, account_id: str, contract_id: str, *, terminated: bool = False) -> None:
    """A synced account holding the Customer role on one unlabelled contract of `site` (the default site)."""
    from portal.services.sync_items import AccountState, account_index_items, account_items
    from tests.integration.identity.kit import client, to_item

    world.put_contract(site, contract_id, account_id, terminated=terminated)
    roles = [
        {"ContractId": contract_id, "AccountId": account_id, "RoleType": "Customer", "IsTerminated": terminated,
         "IsBooked": True, "PrivateLabel": None}
    ]  # fmt: skip
    state = AccountState(
        account={"AccountId": account_id, "Name": f"Account {account_id}", "AccountType": "Business", "Email": ""},
        roles=roles,
        contacts=(),
    )
    # What the sync writes for it: its items on the site, and its site-independent facts and search terms.
    for desired in [*account_items(site, roles, state, {"incremental"}), *account_index_items(state)]:
        client("dynamodb").put_item(TableName=world.wiring.settings.table_data, Item=to_item(desired.item()))
