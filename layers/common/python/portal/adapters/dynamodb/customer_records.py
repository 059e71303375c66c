"""What self-enrollment and `/me` read of the synced customer data (data table), by key only.

The item shapes are the sync's (`portal.services.sync_items`): a contract at `S#<site>#C#<id>`/`CONTRACT`
and an account at `S#<site>#A#<id>`/`ACCOUNT`. An id that cannot be a key is simply "not on this site".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb.batch_get import batch_get
from portal.adapters.dynamodb.codec import from_item, key
from portal.adapters.dynamodb.contracts import contract_facts
from portal.services.identity.ports import AccountRecord, ContractRecord


class DynamoCustomerRecords:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=key(pk, sk))
        return from_item(response["Item"]) if "Item" in response else None

    def contract(self, site_id: str, contract_id: str) -> ContractRecord | None:
        try:
            pk = keys.contract_pk(site_id, contract_id)
        except ValueError:
            return None
        item = self._get(pk, keys.CONTRACT_SK)
        if item is None:
            return None
        return ContractRecord(
            facts=contract_facts(item),
            customer_account_ids=tuple(str(a) for a in item.get("customer_account_ids") or ()),
            bill_to_postal_code=item.get("bill_to_postal_code"),
            bill_to_emails=tuple(str(e) for e in item.get("bill_to_emails") or ()),
        )

    def account(self, site_id: str, account_id: str) -> AccountRecord | None:
        try:
            pk = keys.account_pk(site_id, account_id)
        except ValueError:
            return None
        item = self._get(pk, keys.ACCOUNT_SK)
        if item is None:
            return None
        return AccountRecord(
            account_id=str(item["account_id"]),
            name=item.get("name"),
            emails=tuple(str(e) for e in item.get("emails") or ()),
            contact_emails=tuple(str(e) for e in item.get("contact_emails") or ()),
        )

    def account_names(self, site_id: str, account_ids: Sequence[str]) -> dict[str, str]:
        wanted = [key(keys.account_pk(site_id, a), keys.ACCOUNT_SK) for a in dict.fromkeys(account_ids)]
        items = batch_get(self._client, self._table, wanted, projection="account_id, #name", names={"#name": "name"})
        return {str(item["account_id"]): str(item.get("name", "")) for item in items}
