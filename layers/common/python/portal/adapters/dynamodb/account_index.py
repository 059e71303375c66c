"""Reads the sync's site-independent account index (shapes: `services/sync_items.account_index_items`).

GetItem / BatchGetItem / Query only. Ids that cannot be part of a key read nothing (a hostile query string
finds no account rather than failing).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb.batch_get import batch_get
from portal.adapters.dynamodb.codec import from_item, key
from portal.domain.facts import ContractFacts
from portal.services.admin_accounts import SearchHit
from portal.services.linkability_facts import AccountFacts


class DynamoAccountIndex:
    def __init__(self, client: Any, data_table: str, *, max_backoff_s: float = 1.0) -> None:
        self._client = client
        self._table = data_table
        self._max_backoff_s = max_backoff_s

    def account_facts(self, account_ids: Sequence[str]) -> Mapping[str, AccountFacts]:
        wanted = []
        for account_id in dict.fromkeys(account_ids):
            try:
                wanted.append(key(keys.account_facts_pk(account_id), keys.ACCOUNT_FACTS_SK))
            except ValueError:
                continue
        items = batch_get(self._client, self._table, wanted, max_backoff_s=self._max_backoff_s)
        return {(facts := _facts(item)).account_id: facts for item in items}

    def search(self, kind: str, bucket: str, prefix: str, limit: int) -> list[SearchHit]:
        """Index entries of one bucket whose sort key starts with ``prefix`` (one Query, at most ``limit``)."""
        try:
            pk = keys.account_search_pk(kind, bucket)
        except ValueError:
            return []
        values: dict[str, Any] = {":pk": {"S": pk}}
        condition = "pk = :pk"
        if prefix:  # DynamoDB refuses an empty key value: a whole bucket (a phonetic code) is read without one
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": prefix}
        response = self._client.query(
            TableName=self._table, KeyConditionExpression=condition, ExpressionAttributeValues=values, Limit=limit
        )
        hits = []
        for raw in response["Items"]:
            item = from_item(raw)
            term = str(item["sk"]).rsplit("#", 1)[0] if "#" in str(item["sk"]) else ""
            hits.append(SearchHit(str(item["account_id"]), str(item.get("name") or ""), term))
        return hits


def _facts(item: dict[str, Any]) -> AccountFacts:
    aid = str(item["account_id"])
    contracts = tuple(
        ContractFacts(
            contract_id=str(c["contract_id"]),
            booked=bool(c["booked"]),
            terminated=bool(c["terminated"]),
            private_label=c.get("private_label"),
            roles={aid: frozenset(str(r) for r in c.get("roles", []))},
        )
        for c in json.loads(str(item.get("contracts_json") or "[]"))
    )
    return AccountFacts(aid, str(item.get("name") or ""), contracts, int(item.get("contract_count", len(contracts))))
