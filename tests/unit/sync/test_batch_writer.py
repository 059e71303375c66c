"""BatchWriter: chunks of at most 25, every UnprocessedItems retried with jittered backoff.

moto never returns UnprocessedItems, so this uses a fake client that does, the way DynamoDB does under
throttling: a fake is the only way to make that real behaviour happen on demand.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.adapters.dynamodb.batch import MAX_ITEMS, BatchWriter, UnprocessedItemsError


class ThrottlingClient:
    """Accepts only `accept` requests per call and returns the rest as UnprocessedItems."""

    def __init__(self, accept: int, fail_forever: bool = False) -> None:
        self.accept = accept
        self.fail_forever = fail_forever
        self.calls: list[int] = []
        self.stored: dict[str, Any] = {}

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        requests = [(t, r) for t, rs in RequestItems.items() for r in rs]
        assert len(requests) <= MAX_ITEMS, "DynamoDB rejects more than 25 requests per call"
        self.calls.append(len(requests))
        taken = [] if self.fail_forever else requests[: self.accept]
        for _, request in taken:
            item = request["PutRequest"]["Item"]
            self.stored[item["pk"]["S"]] = item
        rest: dict[str, list[dict[str, Any]]] = {}
        for table, request in requests[len(taken) :]:
            rest.setdefault(table, []).append(request)
        return {"UnprocessedItems": rest}


def item(n: int) -> dict[str, Any]:
    return {"pk": {"S": f"K{n}"}, "sk": {"S": "X"}}


def test_unprocessed_items_are_retried_until_written() -> None:
    # Given a table that only takes 7 writes per call
    client = ThrottlingClient(accept=7)
    sleeps: list[float] = []
    writer = BatchWriter(client, sleep=sleeps.append)
    # When 60 items are written
    for n in range(60):
        writer.put("t", item(n))
    writer.flush()
    # Then every item arrived, no call carried more than 25, and each retry waited a jittered backoff
    assert set(client.stored) == {f"K{n}" for n in range(60)}
    assert max(client.calls) <= 25
    assert writer.stats.retries == len(sleeps) > 0
    assert all(0 <= s <= writer.max_delay_s for s in sleeps)


def test_calls_are_exactly_ceil_of_items_over_25_when_nothing_is_throttled() -> None:
    client = ThrottlingClient(accept=25)
    writer = BatchWriter(client, sleep=lambda _: None)
    for n in range(101):
        writer.put("t", item(n))
    writer.flush()
    assert client.calls == [25, 25, 25, 25, 1]
    assert writer.stats.calls == 5


def test_gives_up_loudly_instead_of_losing_items() -> None:
    writer = BatchWriter(ThrottlingClient(accept=0, fail_forever=True), max_attempts=3, sleep=lambda _: None)
    writer.put("t", item(1))
    with pytest.raises(UnprocessedItemsError, match="1 items still unprocessed after 3 attempts"):
        writer.flush()


def test_requests_split_before_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # 25 items of at most 400 KB never reach DynamoDB's 16 MB, so the limit is lowered to exercise the split.
    import portal.adapters.dynamodb.batch as batch

    monkeypatch.setattr(batch, "MAX_BYTES", 4 * 1024 * 1024)
    client = ThrottlingClient(accept=25)
    writer = BatchWriter(client, sleep=lambda _: None)
    big = "x" * (390 * 1024)
    for n in range(50):
        writer.put("t", {"pk": {"S": f"K{n}"}, "sk": {"S": "X"}, "blob": {"S": big}})
    writer.flush()
    assert sum(client.calls) == 50 and all(c <= 25 for c in client.calls)
    assert len(client.calls) >= 5  # about 10 items of 390 KB per 4 MB request
