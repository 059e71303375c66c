"""The emails sent to an address and their delivery state (diagnostics question 3), in the identity table.

`IdentityContext.deliver` records each email as a `MAIL#<time>#<kind>#<n>` item of `S#<site>#E#<email>`
(state sent | failed, the SES message id, indexed in gsi1 as `MSG#<message id>`). SES then reports delivery,
bounce and complaint events (an SES configuration set -> SNS -> `functions/ses_events`), recorded here on the
same item as `delivery` / `delivery_at` / `delivery_detail`. Locally no event arrives (the outbox counts as
delivered); `portal-local email bounce ADDRESS` records a bounce on the newest email to an address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from portal.adapters.dynamodb import identity_keys as ik
from portal.adapters.dynamodb.codec import from_item, key

Delivery = Literal["delivered", "bounced", "complained"]
RECENT_LIMIT = 10


@dataclass(frozen=True)
class MailRecord:
    sent_at: str
    kind: str
    state: str  # sent | failed (the provider refused it)
    message_id: str | None = None
    delivery: str | None = None  # delivered | bounced | complained (None: no event yet)
    delivery_at: str | None = None
    delivery_detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent_at": self.sent_at,
            "kind": self.kind,
            "state": self.state,
            "delivery": self.delivery,
            "delivery_at": self.delivery_at,
            "delivery_detail": self.delivery_detail,
        }


class DynamoMailLog:
    def __init__(self, client: Any, identity_table: str) -> None:
        self._client = client
        self._table = identity_table

    def recent(self, site_id: str, email: str, limit: int = RECENT_LIMIT) -> list[MailRecord]:
        """The newest emails sent to ``email`` on the site (one Query)."""
        try:
            pk = ik.email_pk(site_id, email)
        except ValueError:
            return []
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :mail)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":mail": {"S": ik.MAIL_LOG_PREFIX}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_record(from_item(raw)) for raw in response["Items"]]

    def record_delivery(self, message_id: str, delivery: Delivery, at: str, detail: str = "") -> bool:
        """Records an SES event on the email it is about; False when no such email is known (kept 90 days)."""
        try:
            index_pk = ik.message_index_pk(message_id)
        except ValueError:
            return False
        response = self._client.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": index_pk}},
            ProjectionExpression="pk, sk",
        )
        updated = False
        for raw in response["Items"]:
            updated |= self._set_delivery(raw["pk"]["S"], raw["sk"]["S"], delivery, at, detail)
        return updated

    def record_bounce_latest(self, site_ids: Iterable[str], email: str, at: str, detail: str) -> tuple[str, str] | None:
        """Marks the newest email to ``email`` on any of the sites bounced: (site, sent_at), or None."""
        newest: tuple[str, str, str] | None = None  # sent_at, site, sk
        for site_id in site_ids:
            try:
                pk = ik.email_pk(site_id, email)
            except ValueError:
                continue
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :mail)",
                ExpressionAttributeValues={":pk": {"S": pk}, ":mail": {"S": ik.MAIL_LOG_PREFIX}},
                ScanIndexForward=False,
                Limit=1,
            )
            for raw in response["Items"]:
                item = from_item(raw)
                if newest is None or str(item["sent_at"]) > newest[0]:
                    newest = (str(item["sent_at"]), site_id, str(item["sk"]))
        if newest is None:
            return None
        sent_at, site_id, sk = newest
        self._set_delivery(ik.email_pk(site_id, email), sk, "bounced", at, detail)
        return site_id, sent_at

    def _set_delivery(self, pk: str, sk: str, delivery: Delivery, at: str, detail: str) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key(pk, sk),
                UpdateExpression="SET delivery = :d, delivery_at = :at, delivery_detail = :detail",
                # A bounce or complaint is never overwritten by a later (out-of-order) delivery event.
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(delivery) OR :d <> :ok)",
                ExpressionAttributeValues={
                    ":d": {"S": delivery},
                    ":at": {"S": at},
                    ":detail": {"S": detail},
                    ":ok": {"S": "delivered"},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True


def _record(item: dict[str, Any]) -> MailRecord:
    return MailRecord(
        sent_at=str(item["sent_at"]),
        kind=str(item["kind"]),
        state=str(item["state"]),
        message_id=item.get("message_id"),
        delivery=item.get("delivery"),
        delivery_at=item.get("delivery_at"),
        delivery_detail=item.get("delivery_detail"),
    )
