"""batch_get: requests of at most 100 keys, unprocessed keys asked again after a jittered pause, never an answer
with keys silently missing.

moto and DynamoDB Local never return UnprocessedKeys, so this uses a fake client that does, the way DynamoDB
does under throttling: a fake is the only way to make that real behaviour happen on demand.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.adapters.dynamodb.batch_get import MAX_KEYS, UnprocessedKeysError, batch_get, batch_get_request


class ThrottlingClient:
    """Holds `stored` items; answers at most `serve` keys per call and returns the rest as UnprocessedKeys."""

    def __init__(self, stored: set[str], serve: int) -> None:
        self.stored = stored
        self.serve = serve
        self.calls: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, dict[str, Any]]) -> dict[str, Any]:
        asked = [(t, k) for t, spec in RequestItems.items() for k in spec["Keys"]]
        assert len(asked) <= MAX_KEYS, "DynamoDB rejects more than 100 keys per call"
        self.calls.append(RequestItems)
        responses: dict[str, list[dict[str, Any]]] = {t: [] for t in RequestItems}
        for table, k in asked[: self.serve]:
            if k["pk"]["S"] in self.stored:
                responses[table].append({**k, "table": {"S": table}})
        rest: dict[str, dict[str, Any]] = {}
        for table, k in asked[self.serve :]:
            rest.setdefault(table, {**RequestItems[table], "Keys": []})["Keys"].append(k)
        return {"Responses": responses, "UnprocessedKeys": rest}


def keys(n: int) -> list[dict[str, Any]]:
    return [{"pk": {"S": f"K{i}"}, "sk": {"S": "X"}} for i in range(n)]


def test_every_existing_item_comes_back_when_dynamodb_serves_a_few_keys_per_call() -> None:
    client = ThrottlingClient(stored={f"K{i}" for i in range(0, 250, 2)}, serve=40)
    sleeps: list[float] = []
    items = batch_get(client, "t", keys(250), consistent_read=True, sleep=sleeps.append)
    assert sorted(i["pk"] for i in items) == sorted(f"K{i}" for i in range(0, 250, 2))
    assert all(len(c["t"]["Keys"]) <= MAX_KEYS and c["t"]["ConsistentRead"] for c in client.calls)
    # 100 + 100 + 50 keys, each request served 40 at a time: 3 + 3 + 2 calls, a pause before each retry
    assert len(client.calls) == 8
    assert len(sleeps) == 5 and all(0 <= s <= 1.0 for s in sleeps)


def test_keys_left_unprocessed_after_every_attempt_raise_rather_than_go_missing() -> None:
    client = ThrottlingClient(stored={"K0", "K1"}, serve=0)
    with pytest.raises(UnprocessedKeysError, match="2 key"):
        batch_get(client, "t", keys(2), sleep=lambda s: None)
    assert len(client.calls) == 10


def test_one_request_over_two_tables_returns_each_tables_items() -> None:
    client = ThrottlingClient(stored={"K0", "K1", "K2"}, serve=1)
    found = batch_get_request(client, {"a": {"Keys": keys(2)}, "b": {"Keys": keys(3)[2:]}}, sleep=lambda s: None)
    assert [i["pk"] for i in found["a"]] == ["K0", "K1"]
    assert [i["pk"] for i in found["b"]] == ["K2"]


def test_a_projection_is_sent_with_every_request() -> None:
    client = ThrottlingClient(stored={"K0"}, serve=100)
    batch_get(client, "t", keys(1), projection="pk, #n", names={"#n": "name"})
    assert client.calls[0]["t"] == {"Keys": keys(1), "ProjectionExpression": "pk, #n",
                                     "ExpressionAttributeNames": {"#n": "name"}}  # fmt: skip
