"""Reads what the sync wrote for contracts (item shapes: `services/sync_items.py`, docs/data-model.md).

Request paths use GetItem, Query and BatchGetItem only, never Scan:

* a contract partition `S#<site>#C#<id>` holds `CONTRACT`, `FINANCIAL`, `INV#…`, `AMORTIZATION` (whole schedule),
  `ASSET#…`;
* an account partition `S#<site>#A#<id>` holds `ACCOUNT`, `LOC#…` and one `C#<contract>` link per booked
  contract on which the account holds Customer or Guarantor (attribute `listing`: open|closed);
* the control table's `SYNC`/`LAST_SUCCESS#<job>` items say when each job last succeeded (for `as_of`); they
  ride along in the same BatchGetItem as the contract or account items.

Ids that cannot be part of a key (see `keys._part`) are treated as absent, so a hostile path parameter reads
nothing rather than failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb.batch_get import MAX_KEYS as BATCH_GET_MAX_KEYS
from portal.adapters.dynamodb.batch_get import batch_get_request
from portal.adapters.dynamodb.codec import from_item, key
from portal.adapters.dynamodb.query import query_items, query_pages
from portal.adapters.dynamodb.sync_state import SYNC_PK
from portal.domain.contracts import (
    AmortizationRow,
    Asset,
    ContractRecord,
    Financials,
    Invoice,
    LineOfCredit,
    SyncRun,
)
from portal.domain.facts import ContractFacts
from portal.domain.visibility import Listing
from portal.ports import AccountBatch, ContractBatch

SYNC_JOBS = ("incremental", "daily", "full")
FINANCIAL_SK = "FINANCIAL"
_LINKS_END = "C$"  # every "C#<contract>" link sorts below it ("$" follows "#")


def _safe(build: Callable[..., str], *parts: str) -> str | None:
    try:
        return build(*parts)
    except ValueError:
        return None


class DynamoContractReader:
    def __init__(self, client: Any, data_table: str, control_table: str, *, max_backoff_s: float = 1.0) -> None:
        self._client = client
        self._data = data_table
        self._control = control_table
        self._max_backoff_s = max_backoff_s

    # --- contract lists -----------------------------------------------------------------------------------------
    def linked_contract_ids(
        self, site_id: str, account_ids: Sequence[str], listing: Listing, after: str | None, want: int
    ) -> list[str]:
        """One Query per linked account (more only for a partition of over 1 MB of links to read through)."""
        found: set[str] = set()
        low = f"C#{after}" if after is not None else "C#"
        for account_id in sorted(set(account_ids)):
            pk = _safe(keys.account_pk, site_id, account_id)
            if pk is None:
                continue
            request: dict[str, Any] = {
                "TableName": self._data,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
                "FilterExpression": "#listing = :listing",
                "ProjectionExpression": "#contract_id",
                "ExpressionAttributeNames": {"#listing": "listing", "#contract_id": "contract_id"},
                "ExpressionAttributeValues": {
                    ":pk": {"S": pk},
                    ":low": {"S": low},
                    ":high": {"S": _LINKS_END},
                    ":listing": {"S": listing},
                },
            }
            matched = 0
            for page in query_pages(self._client, request):
                for raw in page:
                    contract_id = raw["contract_id"]["S"]
                    if after is None or contract_id > after:
                        found.add(contract_id)
                        matched += 1
                # Links come in key order: this account's first `want` matches are all the merge can use.
                if matched >= want:
                    break
        return sorted(found)[:want]

    def read_contracts(self, site_id: str, contract_ids: Sequence[str], *, financials: bool) -> ContractBatch:
        wanted: list[tuple[str, str]] = []
        for contract_id in dict.fromkeys(contract_ids):
            pk = _safe(keys.contract_pk, site_id, contract_id)
            if pk is not None:
                wanted.append((pk, keys.CONTRACT_SK))
                if financials:
                    wanted.append((pk, FINANCIAL_SK))
        items, runs = self._batch_get(wanted)
        contracts: dict[str, ContractRecord] = {}
        figures: dict[str, Financials] = {}
        for item in items:
            if item["sk"] == keys.CONTRACT_SK:
                record = _contract(item)
                contracts[record.contract_id] = record
            elif item["sk"] == FINANCIAL_SK:
                figures[item["pk"].rsplit("#C#", 1)[1]] = Financials.model_validate(item)
        return ContractBatch(contracts, figures, runs)

    def read_accounts(self, site_id: str, account_ids: Sequence[str]) -> AccountBatch:
        wanted = [
            (pk, keys.ACCOUNT_SK)
            for account_id in dict.fromkeys(account_ids)
            if (pk := _safe(keys.account_pk, site_id, account_id)) is not None
        ]
        items, runs = self._batch_get(wanted)
        return AccountBatch({str(i["account_id"]): str(i.get("name") or "") for i in items}, runs)

    # --- one contract's rows ------------------------------------------------------------------------------------
    def assets(self, site_id: str, contract_id: str) -> list[Asset]:
        items = self._prefix(keys.contract_pk(site_id, contract_id), "ASSET#")
        return [Asset.model_validate(item) for item in items]

    def invoices(self, site_id: str, contract_id: str, *, open_only: bool) -> list[Invoice]:
        only_open = ("#status = :open", {"#status": "status"}, {":open": {"S": "Open"}}) if open_only else None
        items = self._prefix(keys.contract_pk(site_id, contract_id), "INV#", only_open)
        return [Invoice.model_validate(item) for item in items]

    def amortization(
        self, site_id: str, contract_id: str, after: int, limit: int
    ) -> tuple[list[AmortizationRow], bool]:
        response = self._client.get_item(
            TableName=self._data, Key=key(keys.contract_pk(site_id, contract_id), keys.AMORTIZATION_SK)
        )
        item = from_item(response["Item"]) if "Item" in response else {}
        schedule = json.loads(item.get("rows_json") or "[]")
        rows = [AmortizationRow.model_validate(row) for row in schedule if int(row["payment_number"]) > after]
        return rows[:limit], len(rows) > limit

    def lines_of_credit(self, site_id: str, account_id: str) -> list[LineOfCredit]:
        pk = _safe(keys.account_pk, site_id, account_id)
        if pk is None:
            return []
        return [LineOfCredit.model_validate(item) for item in self._prefix(pk, "LOC#")]

    # --- plumbing -----------------------------------------------------------------------------------------------
    def _prefix(
        self, pk: str, prefix: str, filter_: tuple[str, dict[str, str], dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._data,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        }
        if filter_ is not None:
            expression, names, values = filter_
            request["FilterExpression"] = expression
            request["ExpressionAttributeNames"] = names
            request["ExpressionAttributeValues"].update(values)
        return list(query_items(self._client, request))

    def _batch_get(self, wanted: list[tuple[str, str]]) -> tuple[list[dict[str, Any]], tuple[SyncRun, ...]]:
        """Data-table items and the LAST_SUCCESS items, in one BatchGetItem per 100 keys (the first carries the
        control keys), retrying unprocessed keys with jittered backoff."""
        control = [key(SYNC_PK, f"LAST_SUCCESS#{job}") for job in SYNC_JOBS]
        data = [key(pk, sk) for pk, sk in wanted]
        first = BATCH_GET_MAX_KEYS - len(control)
        chunks = [(control, data[:first])] + [
            ([], data[start : start + BATCH_GET_MAX_KEYS]) for start in range(first, len(data), BATCH_GET_MAX_KEYS)
        ]
        items: list[dict[str, Any]] = []
        runs: list[SyncRun] = []
        for control_keys, data_keys in chunks:
            request: dict[str, Any] = {}
            if data_keys:
                request[self._data] = {"Keys": data_keys}
            if control_keys:
                request[self._control] = {"Keys": control_keys}
            found = batch_get_request(self._client, request, max_backoff_s=self._max_backoff_s)
            items.extend(found.get(self._data, ()))
            runs.extend(r for item in found.get(self._control, ()) if (r := _run(item)))
        return items, tuple(runs)


def contract_facts(item: Mapping[str, Any]) -> ContractFacts:
    """The facts the visibility and enrollment rules decide on, from a synced `CONTRACT` item."""
    roles = {str(account): frozenset(str(r) for r in held) for account, held in (item.get("roles") or {}).items()}
    return ContractFacts(
        contract_id=str(item["contract_id"]),
        booked=bool(item.get("booked")),
        terminated=bool(item.get("terminated")),
        private_label=item.get("private_label"),
        roles=roles,
    )


def _contract(item: dict[str, Any]) -> ContractRecord:
    return ContractRecord(
        facts=contract_facts(item),
        commencement_date=_date(item.get("commencement_date")),
        maturity_date=_date(item.get("maturity_date")),
        termination_date=_date(item.get("termination_date")),
        term_months=int(item["term_months"]) if item.get("term_months") is not None else None,
        payment_amount=item.get("payment_amount"),
        payment_frequency=item.get("payment_frequency"),
        next_due_date=_date(item.get("next_due_date")),
        next_due_amount=item.get("next_due_amount"),
        past_due_amount=item.get("past_due_amount"),
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _run(item: dict[str, Any]) -> SyncRun | None:
    try:
        return SyncRun(
            job=str(item["job"]),
            started_at=datetime.fromisoformat(str(item["started_at"])),
            ended_at=datetime.fromisoformat(str(item["ended_at"])),
            full_resync=bool(item.get("full_resync")),
        )
    except (KeyError, ValueError):
        return None  # a run record without times says nothing about freshness
