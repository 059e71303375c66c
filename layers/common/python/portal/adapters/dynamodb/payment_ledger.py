"""The payments table as the writer, the sweep and the read-back see it (issue #9; same item layout as the API's).

Every status transition is ONE conditional write on the expected status and `version` (adding 1), so the API
(cancel) and the writer/sync can never both win: the loser reloads and decides again. Leaving Pending or
Pending Cancel deletes the outbox item in the same `TransactWriteItems`, so the outbox holds exactly the
payments that still need the writer.

The writer adds one item of its own: `PAYID#<payment_id>` / `PAYID` -> site and user, written before the
first ASPIRE insert, so the sync can find a payment from an AlternateEft row's PortalPaymentId alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from portal.adapters.dynamodb.codec import from_item, key, to_item
from portal.adapters.dynamodb.keys import _part
from portal.adapters.dynamodb.payment_keys import (
    OUTBOX_PK,
    bank_sk,
    contract_payments_pk,
    outbox_sk,
    payment_sk,
    site_payments_index_pk,
    user_pk,
)

LOOKUP_SK = "PAYID"
OPEN_STATUSES = ("Pending", "Pending Cancel")  # the statuses that have an outbox item


def lookup_pk(payment_id: str) -> str:
    return f"PAYID#{_part(payment_id)}"


class StaleTransition(Exception):
    """The payment was no longer in the expected status/version: someone else moved it first."""


class DynamoPaymentLedger:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    # --- reads ---------------------------------------------------------------------------------------------
    def get(self, site_id: str, user_id: str, payment_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self.table, Key=key(user_pk(site_id, user_id), payment_sk(payment_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def bank_account(self, site_id: str, user_id: str, bank_account_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self.table, Key=key(user_pk(site_id, user_id), bank_sk(bank_account_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def owner(self, payment_id: str) -> tuple[str, str] | None:
        """(site_id, user_id) of a payment the writer has seen, from its lookup item."""
        response = self._client.get_item(TableName=self.table, Key=key(lookup_pk(payment_id), LOOKUP_SK))
        item = response.get("Item")
        if not item:
            return None
        values = from_item(item)
        return str(values["site_id"]), str(values["user_id"])

    def outbox_before(self, cutoff_iso: str, limit: int = 500) -> list[dict[str, Any]]:
        """Outbox items created before `cutoff_iso`, oldest first (the sweep's work list)."""
        values = {":pk": OUTBOX_PK, ":cutoff": cutoff_iso}
        return self._query_all("pk = :pk AND sk < :cutoff", values, limit=limit, newest_first=False)

    def user_payments(self, site_id: str, user_id: str, limit: int = 100) -> list[dict[str, Any]]:
        return self._query_all(
            "pk = :pk AND begins_with(sk, :sk)", {":pk": user_pk(site_id, user_id), ":sk": "PAY#"}, limit=limit
        )

    def site_payments(self, site_id: str, since: str, until: str, limit: int = 100) -> list[dict[str, Any]]:
        """A site's payments created in [since, until] (ISO prefixes), newest first, through gsi1."""
        return self._query_all(
            "gsi1pk = :pk AND gsi1sk BETWEEN :since AND :until",
            {":pk": site_payments_index_pk(site_id), ":since": since, ":until": until},
            index="gsi1",
            limit=limit,
        )

    def contract_payment_refs(self, site_id: str, contract_id: str, limit: int = 100) -> list[dict[str, Any]]:
        return self._query_all("pk = :pk", {":pk": contract_payments_pk(site_id, contract_id)}, limit=limit)

    def _query_all(
        self,
        condition: str,
        values: Mapping[str, str],
        *,
        index: str | None = None,
        limit: int,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Up to `limit` items in key order (newest first by default), each page asking only for what is left."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": {k: {"S": v} for k, v in values.items()},
            "ScanIndexForward": not newest_first,
        }
        if index:
            kwargs["IndexName"] = index
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            page = self._client.query(**kwargs, Limit=limit - len(items))
            items.extend(from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items

    # --- writes --------------------------------------------------------------------------------------------
    def put_owner(self, payment: Mapping[str, Any]) -> None:
        """The lookup item (idempotent: the same values on every retry)."""
        item = {"pk": lookup_pk(payment["payment_id"]), "sk": LOOKUP_SK, "type": "payment_lookup",
                "site_id": payment["site_id"], "user_id": payment["user_id"]}  # fmt: skip
        self._client.put_item(TableName=self.table, Item=to_item(item))

    def transition(
        self,
        payment: Mapping[str, Any],
        status: str,
        *,
        at: str,
        by: str,
        note: str = "",
        allocations: Sequence[Mapping[str, Any]] | None = None,
        extra: Mapping[str, Any] | None = None,
        clear_error: bool = True,
    ) -> dict[str, Any]:
        """Move `payment` (as read) to `status`, conditional on its status and version; returns the new item.

        `status` may equal the current status (an allocation's eft_status changed): still a versioned write,
        so the API's cancel, conditional on the version, sees it. Raises `StaleTransition`."""
        names = {"#status": "status", "#version": "version"}
        sets = ["#status = :status", "#version = :next", "updated_at = :at"]
        values: dict[str, Any] = {
            ":status": status,
            ":expected": payment["status"],
            ":version": payment["version"],
            ":next": int(payment["version"]) + 1,
            ":at": at,
        }
        if status != payment["status"] or note:
            entry = {"status": status, "at": at, "by": by, **({"note": note} if note else {})}
            sets.append("history = list_append(if_not_exists(history, :empty), :entry)")
            values[":entry"] = [entry]
            values[":empty"] = []
        if allocations is not None:
            sets.append("allocations = :allocations")
            values[":allocations"] = [dict(a) for a in allocations]
        for n, (field, value) in enumerate((extra or {}).items()):
            names[f"#x{n}"] = field
            sets.append(f"#x{n} = :x{n}")
            values[f":x{n}"] = value
        expression = "SET " + ", ".join(sets) + (" REMOVE last_error" if clear_error else "")
        update = {
            "TableName": self.table,
            "Key": key(user_pk(payment["site_id"], payment["user_id"]), payment_sk(payment["payment_id"])),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :expected AND #version = :version",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
        leaves_outbox = payment["status"] in OPEN_STATUSES and status not in OPEN_STATUSES
        try:
            if leaves_outbox:
                outbox = {"Delete": {"TableName": self.table, "Key": self.outbox_key(payment)}}
                self._client.transact_write_items(TransactItems=[{"Update": update}, outbox])
            else:
                self._client.update_item(**update)
        except ClientError as error:
            if _condition_failed(error):
                raise StaleTransition(f"payment {payment['payment_id']} moved on before {status}") from None
            raise
        updated = {**payment, "status": status, "version": int(payment["version"]) + 1, "updated_at": at}
        if allocations is not None:
            updated["allocations"] = [dict(a) for a in allocations]
        updated.update(extra or {})
        if clear_error:
            updated.pop("last_error", None)
        return updated

    def record_error(self, payment: Mapping[str, Any], message: str) -> None:
        """Note why the writer could not finish (shown by the admin diagnostics); not a status transition, so
        the version stays: the API's cancel must not lose its race to a retry's bookkeeping."""
        try:
            self._client.update_item(
                TableName=self.table,
                Key=key(user_pk(payment["site_id"], payment["user_id"]), payment_sk(payment["payment_id"])),
                UpdateExpression="SET last_error = :error",
                ConditionExpression="#status = :expected",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":error": message, ":expected": payment["status"]}),
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise

    def outbox_key(self, payment: Mapping[str, Any]) -> dict[str, Any]:
        sk = outbox_sk(payment["created_at"], payment["site_id"], payment["user_id"], payment["payment_id"])
        return key(OUTBOX_PK, sk)


def _condition_failed(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons") or []
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons
    return False


def iter_allocations(payment: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for allocation in payment.get("allocations") or []:
        yield dict(allocation)
