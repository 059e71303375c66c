"""SQS adapters of the sync ports: the daily run's chunks and one-customer syncs go to the chunk queue.

`sync_worker` consumes the queue (batch size 1, partial batch responses), inside the VPC that reaches
ASPIRE. The message bodies are `portal.services.sync_messages` models.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from portal.services.sync_messages import ChunkMessage, CustomerSyncMessage, DispatchFailed

SQS_BATCH = 10  # SendMessageBatch takes at most 10 entries


class SqsChunkDispatcher:
    """Queues a run's chunks for parallel workers, 10 per `SendMessageBatch`."""

    queues = True

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, messages: Sequence[ChunkMessage]) -> None:
        queued = 0
        for start in range(0, len(messages), SQS_BATCH):
            batch = messages[start : start + SQS_BATCH]
            entries = [{"Id": str(i), "MessageBody": m.model_dump_json()} for i, m in enumerate(batch)]
            try:
                failed = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries).get("Failed") or []
            except (ClientError, BotoCoreError) as error:
                # Whether any entry of this batch was queued is unknown; count none of it.
                raise DispatchFailed(queued, len(messages), f"SendMessageBatch failed: {error}") from error
            queued += len(batch) - len(failed)
            if failed:
                codes = sorted({str(f.get("Code")) for f in failed})
                raise DispatchFailed(queued, len(messages), f"{len(failed)} chunks refused ({', '.join(codes)})")


class SqsCustomerSync:
    """Queues a one-customer sync: the API functions have no route to ASPIRE, `sync_worker` does."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def __call__(self, account_ids: Sequence[str]) -> dict[str, Any]:
        accounts = sorted({a for a in account_ids if a})
        if not accounts:
            return {"accounts": [], "queued": False}
        message = CustomerSyncMessage(account_ids=tuple(accounts))
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=message.model_dump_json())
        return {"accounts": accounts, "queued": True}


# --- payments (PRODUCT.md §5) ---------------------------------------------------------------------------------------
class SqsPaymentAnnouncer:
    """Tells the payments writer a payment needs it: `{"kind": "payment", "site_id", "user_id", "payment_id"}`
    (the `PaymentMessage` of `portal.services.payment_messages`; the writer loads the payment and acts on its
    current status, so a duplicate or late message is harmless)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def __call__(self, site_id: str, user_id: str, payment_id: str) -> None:
        body = {"kind": "payment", "site_id": site_id, "user_id": user_id, "payment_id": payment_id}
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(body, separators=(",", ":")))
