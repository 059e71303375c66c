"""The records diagnostics read besides contracts and accounts: a user with its link times (identity table),
the site a contract's manifest says it is stored on, and the sync's restore events (control table).

GetItem and Query only; an id that cannot be part of a key reads nothing.
"""

from __future__ import annotations

from typing import Any

from portal.adapters.dynamodb import identity_keys as ik
from portal.adapters.dynamodb.codec import from_item, key
from portal.adapters.dynamodb.query import query_items
from portal.adapters.dynamodb.sync_state import EVENTS_PK, manifest_key
from portal.services.diagnostics import UserFacts


class DynamoDiagnosticsReader:
    def __init__(self, client: Any, identity_table: str, control_table: str) -> None:
        self._client = client
        self._identity = identity_table
        self._control = control_table

    def user_facts(self, site_id: str, user_id: str) -> UserFacts | None:
        """The user item and its account links, in one Query of the user's partition."""
        try:
            pk = ik.user_pk(site_id, user_id)
        except ValueError:
            return None
        request: dict[str, Any] = {
            "TableName": self._identity,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :user)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":user": {"S": ik.USER_ITEMS_PREFIX}},
            "ProjectionExpression": "sk, user_id, email, first_name, last_name, #status, created_at, account_id, "
            "linked_at",
            "ExpressionAttributeNames": {"#status": "status"},
        }
        items = list(query_items(self._client, request))
        user = next((item for item in items if item["sk"] == ik.USER_SK), None)
        if user is None:
            return None
        links = tuple(
            (str(item["account_id"]), str(item.get("linked_at") or ""))
            for item in items
            if str(item["sk"]).startswith(ik.LINK_PREFIX)
        )
        return UserFacts(
            user_id=str(user["user_id"]),
            email=str(user.get("email") or ""),
            first_name=str(user.get("first_name") or ""),
            last_name=str(user.get("last_name") or ""),
            status=str(user["status"]),
            created_at=str(user.get("created_at") or ""),
            links=links,
        )

    def contract_site(self, contract_id: str) -> str | None:
        response = self._client.get_item(
            TableName=self._control,
            Key=key(*manifest_key("C", contract_id)),
            ProjectionExpression="site",
        )
        item = from_item(response["Item"]) if "Item" in response else {}
        site = item.get("site")
        return str(site) if site else None

    def restore_events(self, limit: int = 5) -> list[dict[str, Any]]:
        response = self._client.query(
            TableName=self._control,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": EVENTS_PK}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_item(raw) for raw in response["Items"]]
