"""Full sync of one customer when a user is created or an account is linked (PRODUCT.md §3).

In AWS the API functions have no route to ASPIRE: they queue a `customer` message on the sync chunk queue,
which `sync_worker` (inside the VPC, with the ASPIRE secret) runs within seconds. Where no queue is
configured (the laptop runtime, tests) the sync runs in-process right away, against the same engine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from portal.observability import logger

QUEUE_ENV = "SYNC_CHUNK_QUEUE_URL"


def request_customer_sync(account_ids: Sequence[str], sqs: Any | None = None) -> dict[str, Any]:
    accounts = sorted({a for a in account_ids if a})
    if not accounts:
        return {"accounts": [], "queued": False}
    queue_url = os.environ.get(QUEUE_ENV, "")
    if queue_url:
        import boto3

        (sqs or boto3.client("sqs")).send_message(
            QueueUrl=queue_url, MessageBody=json.dumps({"kind": "customer", "account_ids": accounts})
        )
        return {"accounts": accounts, "queued": True}
    from portal.wiring import SyncWiring

    summary = SyncWiring.from_env().engine().sync_customer(accounts)
    logger.info("customer synced", extra={"accounts": len(accounts), "items_written": summary["items_written"]})
    return {**summary, "queued": False}
