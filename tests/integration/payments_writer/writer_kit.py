"""Payments as the payments API stores them (issue #9 contract), for the writer's tests until payapi's API lands.

`Payments.store` writes what the API's creating transaction writes: the bank account (account number as KMS
ciphertext under the site/user context), the Pending payment, its outbox item and contract index items.
`request_cancel` is the API's Scheduled -> Pending Cancel. Reads go straight to the table (raw items).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from portal.adapters.dynamodb import payment_keys as pk
from portal.adapters.dynamodb.codec import from_item, key, to_item
from portal.config import TableSettings

ROUTING = "011000015"
ACCOUNT_NUMBER = "987654321012"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_payment_id(at: datetime) -> str:
    return f"{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(4)}"


@dataclass
class Payments:
    kms_key_id: str
    site_id: str = "summit"
    user_id: str = "u-1"

    @property
    def table(self) -> str:
        return TableSettings.load().table_payments

    @property
    def client(self) -> Any:
        return boto3.client("dynamodb")

    def bank_account(self, owner_type: str = "personal") -> str:
        bank_id = secrets.token_hex(16)
        context = {"site_id": self.site_id, "user_id": self.user_id, "purpose": "bank_account"}
        blob = boto3.client("kms").encrypt(
            KeyId=self.kms_key_id, Plaintext=ACCOUNT_NUMBER.encode(), EncryptionContext=context
        )["CiphertextBlob"]
        item = {
            "pk": pk.user_pk(self.site_id, self.user_id), "sk": pk.bank_sk(bank_id), "type": "bank_account",
            "bank_account_id": bank_id, "holder_name": "Pat Doe", "routing_number": ROUTING,
            "account_ciphertext": bytes(blob), "last4": ACCOUNT_NUMBER[-4:], "fingerprint": "f" * 64,
            "account_type": "checking", "owner_type": owner_type, "verified": True, "verification": "allow_any",
            "created_at": iso(datetime.now(UTC)),
        }  # fmt: skip
        self.client.put_item(TableName=self.table, Item=to_item(item))
        return bank_id

    def store(
        self, allocations: list[tuple[str, str, str]], *, age: timedelta = timedelta(0), owner_type: str = "personal"
    ) -> dict[str, Any]:
        """A Pending payment of (contract_id, account_id, amount) allocations, created `age` ago."""
        created = datetime.now(UTC) - age
        payment_id = new_payment_id(created)
        bank_id = self.bank_account(owner_type)
        created_at = iso(created)
        payment = {
            "pk": pk.user_pk(self.site_id, self.user_id), "sk": pk.payment_sk(payment_id), "type": "payment",
            "payment_id": payment_id, "site_id": self.site_id, "user_id": self.user_id, "status": "Pending",
            "scope": "contract" if len(allocations) == 1 else "all", "bank_account_id": bank_id,
            "bank_last4": ACCOUNT_NUMBER[-4:], "sec_code": "WEB" if owner_type == "personal" else "CCD",
            "amount": sum((Decimal(a) for _, _, a in allocations), Decimal("0")),
            "payment_date": date.today().isoformat(),
            "allocations": [
                {"contract_id": c, "account_id": acct, "amount": Decimal(a), "portal_payment_id": f"{payment_id}-{n}"}
                for n, (c, acct, a) in enumerate(allocations, start=1)
            ],
            "history": [{"status": "Pending", "at": created_at, "by": "user"}],
            "idempotency_key_hash": "a" * 64, "created_at": created_at, "updated_at": created_at, "version": 1,
            "gsi1pk": pk.site_payments_index_pk(self.site_id), "gsi1sk": f"{created_at}#{payment_id}",
        }  # fmt: skip
        outbox = {"pk": pk.OUTBOX_PK, "sk": pk.outbox_sk(created_at, self.site_id, self.user_id, payment_id),
                  "site_id": self.site_id, "user_id": self.user_id, "payment_id": payment_id}  # fmt: skip
        items = [payment, outbox] + [
            {"pk": pk.contract_payments_pk(self.site_id, c), "sk": pk.contract_payments_sk(created_at, payment_id),
             "user_id": self.user_id, "payment_id": payment_id}
            for c, _, _ in allocations
        ]  # fmt: skip
        self.client.transact_write_items(TransactItems=[{"Put": {"TableName": self.table, "Item": to_item(i)}}
                                                        for i in items])  # fmt: skip
        return payment

    def get(self, payment_id: str) -> dict[str, Any]:
        raw = self.client.get_item(
            TableName=self.table, Key=key(pk.user_pk(self.site_id, self.user_id), pk.payment_sk(payment_id))
        )["Item"]
        return from_item(raw)

    def outbox(self) -> list[dict[str, Any]]:
        page = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk.OUTBOX_PK}},
        )
        return [from_item(i) for i in page["Items"]]

    def request_cancel(self, payment_id: str, by: str = "user") -> dict[str, Any]:
        """The API's cancel of a Scheduled payment: -> Pending Cancel (conditional on status and version) and
        back into the outbox, in one transaction."""
        payment = self.get(payment_id)
        assert payment["status"] == "Scheduled"
        now = iso(datetime.now(UTC))
        update = {
            "TableName": self.table,
            "Key": key(payment["pk"], payment["sk"]),
            "UpdateExpression": "SET #s = :s, version = :next, history = list_append(history, :h)",
            "ConditionExpression": "#s = :expected AND version = :v",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": to_item({
                ":s": "Pending Cancel", ":expected": "Scheduled", ":v": payment["version"],
                ":next": payment["version"] + 1, ":h": [{"status": "Pending Cancel", "at": now, "by": by}],
            }),
        }  # fmt: skip
        outbox = {"pk": pk.OUTBOX_PK, "sk": pk.outbox_sk(payment["created_at"], self.site_id, self.user_id, payment_id),
                  "site_id": self.site_id, "user_id": self.user_id, "payment_id": payment_id}  # fmt: skip
        self.client.transact_write_items(
            TransactItems=[{"Update": update}, {"Put": {"TableName": self.table, "Item": to_item(outbox)}}]
        )
        return self.get(payment_id)

    def cancel_pending(self, payment_id: str) -> None:
        """The API's direct cancel of a Pending payment (Pending -> Canceled, outbox item deleted)."""
        payment = self.get(payment_id)
        now = iso(datetime.now(UTC))
        update = {
            "TableName": self.table,
            "Key": key(payment["pk"], payment["sk"]),
            "UpdateExpression": "SET #s = :s, version = :next, canceled_at = :at, canceled_by = :by,"
            " history = list_append(history, :h)",
            "ConditionExpression": "#s = :expected AND version = :v",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": to_item({
                ":s": "Canceled", ":expected": "Pending", ":v": payment["version"], ":next": payment["version"] + 1,
                ":at": now, ":by": "user", ":h": [{"status": "Canceled", "at": now, "by": "user"}],
            }),
        }  # fmt: skip
        outbox = key(pk.OUTBOX_PK, pk.outbox_sk(payment["created_at"], self.site_id, self.user_id, payment_id))
        self.client.transact_write_items(
            TransactItems=[{"Update": update}, {"Delete": {"TableName": self.table, "Key": outbox}}]
        )


@dataclass
class World:
    """What a writer test works with: the sync wiring (the writer, the sweep), ASPIRE, stored payments."""

    wiring: Any  # portal.wiring.SyncWiring
    aspire: Any  # sync_kit.Aspire
    payments: Payments
    outage_flag: Path

    def outage(self, on: bool) -> None:
        from portal.adapters.aspire.outage import set_outage

        set_outage(self.outage_flag, on)


def alternate_efts(source: Any) -> list[dict[str, Any]]:
    """Every AlternateEft row of the test ASPIRE (bank numbers included: the test checks what was written)."""
    conn = source.connection()
    cursor = conn.execute("SELECT * FROM AlternateEft ORDER BY AlternateEftId")
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
