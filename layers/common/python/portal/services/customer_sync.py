"""Full sync of one customer when a user is created or an account is linked (PRODUCT.md §3).

In AWS the API functions have no route to ASPIRE: they queue a `customer` message on the sync queue
(`portal.adapters.sqs.SqsCustomerSync`), which `sync_worker` runs within seconds. Where no queue is
configured (the laptop runtime) this adapter runs the sync in-process right away, against the same engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from portal.observability import logger

if TYPE_CHECKING:
    from portal.services.sync import SyncEngine


class InProcessCustomerSync:
    def __init__(self, engine: Callable[[], SyncEngine]) -> None:
        # A factory: an engine carries one run's counters and the site map as of its start.
        self._engine = engine

    def __call__(self, account_ids: Sequence[str]) -> dict[str, Any]:
        accounts = sorted({a for a in account_ids if a})
        if not accounts:
            return {"accounts": [], "queued": False}
        summary = self._engine().sync_customer(accounts)
        logger.info("customer synced", extra={"accounts": len(accounts), "items_written": summary["items_written"]})
        return {**summary, "queued": False}
