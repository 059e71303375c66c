"""BatchWriteItem in chunks of at most 25 requests / 16 MB, retrying every UnprocessedItems with backoff.

boto3's resource-level `batch_writer` does this too, but it cannot report how many calls and items it
made (the sync's run records and benchmarks need both), it retries unprocessed items without jitter, and it
needs the slower resource API. This class is the small subset the sync needs, and it is tested with a client
that returns unprocessed items (moto never does).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_ITEMS = 25
MAX_BYTES = 16 * 1024 * 1024


class UnprocessedItemsError(RuntimeError):
    pass


@dataclass
class WriteStats:
    calls: int = 0
    puts: int = 0
    deletes: int = 0
    retries: int = 0


@dataclass
class BatchWriter:
    client: Any
    max_attempts: int = 10
    base_delay_s: float = 0.05
    max_delay_s: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    stats: WriteStats = field(default_factory=WriteStats)
    _pending: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _pending_bytes: int = 0

    def put(self, table: str, item: dict[str, Any]) -> None:
        self._add(table, {"PutRequest": {"Item": item}})
        self.stats.puts += 1

    def delete(self, table: str, key: dict[str, Any]) -> None:
        self._add(table, {"DeleteRequest": {"Key": key}})
        self.stats.deletes += 1

    def _add(self, table: str, request: dict[str, Any]) -> None:
        size = len(json.dumps(request))
        if self._pending and (len(self._pending) >= MAX_ITEMS or self._pending_bytes + size > MAX_BYTES):
            self.flush()
        self._pending.append((table, request))
        self._pending_bytes += size
        if len(self._pending) >= MAX_ITEMS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        request_items: dict[str, list[dict[str, Any]]] = {}
        for table, request in self._pending:
            request_items.setdefault(table, []).append(request)
        self._pending, self._pending_bytes = [], 0
        attempt = 0
        while request_items:
            self.stats.calls += 1
            response = self.client.batch_write_item(RequestItems=request_items)
            request_items = {t: r for t, r in (response.get("UnprocessedItems") or {}).items() if r}
            if not request_items:
                return
            attempt += 1
            self.stats.retries += 1
            if attempt >= self.max_attempts:
                left = sum(len(r) for r in request_items.values())
                raise UnprocessedItemsError(f"{left} items still unprocessed after {attempt} attempts")
            # "Full jitter" backoff: spreads retries of concurrent writers instead of synchronising them.
            cap = min(self.max_delay_s, self.base_delay_s * 2**attempt)
            self.sleep(random.uniform(0, cap))
