"""Is an account linkable on a site? The domain rule (`account_linkable_on`) over the synced data.

The facts are the sync's items in the data table: the `ACCOUNT` item (present once the account was synced
onto the site; `contract_ids` are the contracts it holds a role on there) and each of those contracts'
`CONTRACT` item (label, booked, terminated, roles), read with BatchGetItem. The admin user routes, the
account search and the diagnostics all call `linkability(site_id, account_id)`, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb.codec import from_item, key
from portal.adapters.dynamodb.contracts import contract_facts
from portal.domain.checks import Verdict
from portal.domain.facts import ContractFacts
from portal.domain.linkability import account_linkable_on
from portal.domain.sites import SiteMap


class Linkability:
    def __init__(self, client: Any, data_table: str, site_map: Callable[[], SiteMap]) -> None:
        self._client = client
        self._table = data_table
        self._site_map = site_map

    def linkability(self, site_id: str, account_id: str) -> Verdict:
        """The rule's checklist: `verdict.ok`, or `verdict.first_failure.name` (the rule that failed)."""
        synced, contracts = self._facts(site_id, account_id)
        return account_linkable_on(account_id, contracts, site_id, self._site_map(), synced)

    def _facts(self, site_id: str, account_id: str) -> tuple[bool, list[ContractFacts]]:
        try:
            pk = keys.account_pk(site_id, account_id)
        except ValueError:  # an id that cannot be a key was never synced
            return False, []
        response = self._client.get_item(TableName=self._table, Key=key(pk, keys.ACCOUNT_SK))
        if "Item" not in response:
            return False, []
        contract_ids = [str(c) for c in from_item(response["Item"]).get("contract_ids") or ()]
        return True, self._contracts(site_id, contract_ids)

    def _contracts(self, site_id: str, contract_ids: list[str]) -> list[ContractFacts]:
        found: list[ContractFacts] = []
        for start in range(0, len(contract_ids), 100):
            batch = [key(keys.contract_pk(site_id, c), keys.CONTRACT_SK) for c in contract_ids[start : start + 100]]
            request: dict[str, Any] = {self._table: {"Keys": batch}}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                found.extend(contract_facts(from_item(raw)) for raw in response["Responses"].get(self._table, []))
                request = response.get("UnprocessedKeys") or {}
        return found
