"""The payments table: bank accounts, payments, idempotency guards, the outbox and the contract index.

Item shapes are the issue #9 contract (docs/data-model.md). A payment is created in ONE TransactWriteItems with
its idempotency guard (`attribute_not_exists`), its outbox item and its contract-index items, conditional on
the bank account still existing; every status change is a conditional update on `version` and the expected
status, in the same transaction as the outbox change it implies. Requests use GetItem, Query and transactions,
never Scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb import payment_keys as pk
from portal.adapters.dynamodb.batch_get import batch_get
from portal.adapters.dynamodb.codec import from_item, key, to_item
from portal.adapters.dynamodb.query import query_items, query_pages

NEW = "attribute_not_exists(pk)"


class GuardTaken(Exception):
    """The idempotency guard of this key exists: the request was made before (`guard` is its item)."""

    def __init__(self, guard: dict[str, Any]) -> None:
        super().__init__("idempotency guard exists")
        self.guard = guard


class StaleStatus(Exception):
    """A conditional status change lost: the payment moved on since it was read."""


class BankAccountGone(Exception):
    """The payment's bank account was deleted while the payment was being made."""


def _cancel_reasons(error: ClientError) -> list[str]:
    return [str(r.get("Code") or "None") for r in error.response.get("CancellationReasons") or []]


class DynamoPayments:
    def __init__(self, client: Any, table: str, data_table: str) -> None:
        self._client = client
        self._table = table
        self._data = data_table

    # --- bank accounts ----------------------------------------------------------------------------------------
    def put_bank_account(self, site_id: str, user_id: str, item: Mapping[str, Any]) -> None:
        full = {"pk": pk.user_pk(site_id, user_id), "sk": pk.bank_sk(item["bank_account_id"]), **item}
        self._client.put_item(TableName=self._table, Item=to_item(full), ConditionExpression=NEW)

    def bank_accounts(self, site_id: str, user_id: str) -> list[dict[str, Any]]:
        return self._prefix(pk.user_pk(site_id, user_id), "BANK#")

    def bank_account(self, site_id: str, user_id: str, bank_account_id: str) -> dict[str, Any] | None:
        try:
            item_key = key(pk.user_pk(site_id, user_id), pk.bank_sk(bank_account_id))
        except ValueError:  # an id that cannot be part of a key names nothing
            return None
        response = self._client.get_item(TableName=self._table, Key=item_key, ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def delete_bank_account(
        self, site_id: str, user_id: str, bank_account_id: str, last_payment_id: str | None
    ) -> None:
        """Deletes the account unless a payment from it was made since it was read (StaleStatus then)."""
        if last_payment_id is None:
            condition, values = "attribute_not_exists(last_payment_id)", None
        else:
            condition, values = "last_payment_id = :seen", {":seen": {"S": last_payment_id}}
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": key(pk.user_pk(site_id, user_id), pk.bank_sk(bank_account_id)),
            "ConditionExpression": condition,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            self._client.delete_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StaleStatus() from error
            raise

    def fingerprints_on_file(self, site_id: str, account_ids: Sequence[str]) -> set[str]:
        """Fingerprints of the bank accounts ASPIRE has on file for these accounts (synced to the DATA table)."""
        found: set[str] = set()
        for account_id in sorted(set(account_ids)):
            try:
                partition = keys.account_pk(site_id, account_id)
            except ValueError:
                continue
            for item in self._prefix(partition, "BANK#", table=self._data):
                if item.get("fingerprint"):
                    found.add(str(item["fingerprint"]))
        return found

    # --- payments ---------------------------------------------------------------------------------------------
    def create_payment(self, payment: Mapping[str, Any], guard: Mapping[str, Any]) -> None:
        """Payment, guard, outbox and contract index in one transaction; GuardTaken when the key was used."""
        site, user, payment_id = payment["site_id"], payment["user_id"], payment["payment_id"]
        created = str(payment["created_at"])
        user_pk = pk.user_pk(site, user)
        payment_item = {
            "pk": user_pk,
            "sk": pk.payment_sk(payment_id),
            "gsi1pk": pk.site_payments_index_pk(site),
            "gsi1sk": f"{created}#{payment_id}",
            **payment,
        }
        guard_item = {
            "pk": user_pk,
            "sk": pk.idem_sk(guard["key_hash"]),
            "type": "idempotency_guard",
            "payment_id": payment_id,
            "request_hash": guard["request_hash"],
            "created_at": created,
        }
        outbox = {
            "pk": pk.OUTBOX_PK,
            "sk": pk.outbox_sk(created, site, user, payment_id),
            "type": "payment_outbox",
            "site_id": site,
            "user_id": user,
            "payment_id": payment_id,
        }
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": to_item(guard_item), "ConditionExpression": NEW}},
            {"Put": {"TableName": self._table, "Item": to_item(payment_item), "ConditionExpression": NEW}},
            {"Put": {"TableName": self._table, "Item": to_item(outbox)}},
            {
                # The bank account must still exist, and it records its latest payment: a delete that checked
                # "no payment in progress" before this one is refused by its condition on that attribute.
                "Update": {
                    "TableName": self._table,
                    "Key": key(user_pk, pk.bank_sk(payment["bank_account_id"])),
                    "UpdateExpression": "SET last_payment_id = :payment",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":payment": {"S": payment_id}},
                }
            },
        ]
        for contract_id in dict.fromkeys(a["contract_id"] for a in payment["allocations"]):
            index = {
                "pk": pk.contract_payments_pk(site, contract_id),
                "sk": pk.contract_payments_sk(created, payment_id),
                "type": "contract_payment",
                "user_id": user,
                "payment_id": payment_id,
            }
            actions.append({"Put": {"TableName": self._table, "Item": to_item(index)}})
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = _cancel_reasons(error)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                existing = self.guard(site, user, guard["key_hash"])
                if existing is not None:
                    raise GuardTaken(existing) from error
            if len(reasons) > 3 and reasons[3] == "ConditionalCheckFailed":
                raise BankAccountGone() from error
            raise

    def guard_and_bank_account(
        self, site_id: str, user_id: str, key_hash: str, bank_account_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The idempotency guard of `key_hash` and the bank account, in one consistent BatchGetItem (a new
        payment needs both; they share the user's partition)."""
        user = pk.user_pk(site_id, user_id)
        guard_key = key(user, pk.idem_sk(key_hash))
        try:
            bank_key: dict[str, Any] | None = key(user, pk.bank_sk(bank_account_id))
        except ValueError:  # an id that cannot be part of a key names nothing
            bank_key = None
        wanted = [guard_key] if bank_key is None else [guard_key, bank_key]
        found = {str(i["sk"]): i for i in batch_get(self._client, self._table, wanted, consistent_read=True)}
        bank = found.get(pk.bank_sk(bank_account_id)) if bank_key is not None else None
        return found.get(pk.idem_sk(key_hash)), bank

    def guard(self, site_id: str, user_id: str, key_hash: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=key(pk.user_pk(site_id, user_id), pk.idem_sk(key_hash)), ConsistentRead=True
        )
        return from_item(response["Item"]) if "Item" in response else None

    def payment(self, site_id: str, user_id: str, payment_id: str) -> dict[str, Any] | None:
        try:
            item_key = key(pk.user_pk(site_id, user_id), pk.payment_sk(payment_id))
        except ValueError:
            return None
        response = self._client.get_item(TableName=self._table, Key=item_key, ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def payments_page(
        self, site_id: str, user_id: str, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """Newest first (payment ids sort by time); up to `limit` payments after the position `before`."""
        high = pk.payment_sk(before) if before else "PAY$"  # "$" sorts after "#": above every PAY# key
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": {"S": pk.user_pk(site_id, user_id)},
                ":low": {"S": "PAY#"},
                ":high": {"S": high},
            },
            "ScanIndexForward": False,
            "Limit": limit + 2,
        }
        items = [from_item(raw) for raw in self._client.query(**request)["Items"]]
        items = [i for i in items if before is None or i["payment_id"] < before]
        return items[:limit], len(items) > limit

    def has_active_payment(self, site_id: str, user_id: str, bank_account_id: str, statuses: Sequence[str]) -> bool:
        values = {f":s{n}": {"S": s} for n, s in enumerate(statuses)}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "FilterExpression": f"bank_account_id = :bank AND #status IN ({', '.join(values)})",
            "ProjectionExpression": "payment_id",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":pk": {"S": pk.user_pk(site_id, user_id)},
                ":prefix": {"S": "PAY#"},
                ":bank": {"S": bank_account_id},
                **values,
            },
        }
        return any(page for page in query_pages(self._client, request))

    def transition(
        self,
        payment: Mapping[str, Any],
        to_status: str,
        history_entry: Mapping[str, Any],
        *,
        outbox: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Status change conditional on the read version and status (version + 1, one history entry), with the
        outbox change in the same transaction (`outbox`: "put", "delete" or "keep"). StaleStatus if it lost."""
        site, user, payment_id = payment["site_id"], payment["user_id"], payment["payment_id"]
        sets = [
            "#status = :to",
            "#version = #version + :one",
            "history = list_append(history, :entry)",
            "updated_at = :at",
        ]
        values: dict[str, Any] = {
            ":to": to_status,
            ":from": payment["status"],
            ":v": payment["version"],
            ":one": 1,
            ":entry": [dict(history_entry)],
            ":at": history_entry["at"],
        }
        for n, (name, value) in enumerate((extra or {}).items()):
            sets.append(f"{name} = :x{n}")
            values[f":x{n}"] = value
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": key(pk.user_pk(site, user), pk.payment_sk(payment_id)),
                    "UpdateExpression": "SET " + ", ".join(sets),
                    "ConditionExpression": "#status = :from AND #version = :v",
                    "ExpressionAttributeNames": {"#status": "status", "#version": "version"},
                    "ExpressionAttributeValues": to_item(values),
                }
            }
        ]
        outbox_key = key(pk.OUTBOX_PK, pk.outbox_sk(str(payment["created_at"]), site, user, payment_id))
        if outbox == "delete":
            actions.append({"Delete": {"TableName": self._table, "Key": outbox_key}})
        elif outbox == "put":
            item = {
                **outbox_key,
                **to_item({"type": "payment_outbox", "site_id": site, "user_id": user, "payment_id": payment_id}),
            }
            actions.append({"Put": {"TableName": self._table, "Item": item}})
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise StaleStatus() from error
            raise

    # --- plumbing ---------------------------------------------------------------------------------------------
    def _prefix(self, partition: str, prefix: str, *, table: str | None = None) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": table or self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": prefix}},
        }
        return list(query_items(self._client, request))
