"""BatchGetItem in requests of at most 100 keys, retrying the keys DynamoDB leaves unprocessed with jittered
backoff.

boto3 has no helper for this on the client API (the resource API's `batch_get_item` returns UnprocessedKeys to
the caller too), and six adapters had written the loop out, two of them retrying throttled keys without any
pause. Tested with a client that returns unprocessed keys (moto and DynamoDB Local never do).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from portal.adapters.dynamodb.codec import from_item

MAX_KEYS = 100  # DynamoDB's limit per BatchGetItem request
MAX_ATTEMPTS = 10


class UnprocessedKeysError(RuntimeError):
    """DynamoDB still left keys unprocessed after every attempt (a table throttled for seconds)."""


def batch_get_request(
    client: Any,
    request: Mapping[str, Mapping[str, Any]],
    *,
    max_backoff_s: float = 1.0,
    max_attempts: int = MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, list[dict[str, Any]]]:
    """One BatchGetItem request (at most 100 keys over its tables), then its unprocessed keys again until none
    is left: the decoded items per table. Raises `UnprocessedKeysError` rather than answer with items missing."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in request}
    pending: Mapping[str, Any] = request
    attempt = 0
    while pending:
        if attempt >= max_attempts:
            left = sum(len(spec["Keys"]) for spec in pending.values())
            raise UnprocessedKeysError(f"{left} key(s) still unprocessed after {attempt} BatchGetItem calls")
        if attempt:
            sleep(random.uniform(0, min(max_backoff_s, 0.05 * 2**attempt)))
        attempt += 1
        response = client.batch_get_item(RequestItems=pending)
        for table, raws in response["Responses"].items():
            found.setdefault(table, []).extend(from_item(raw) for raw in raws)
        pending = response.get("UnprocessedKeys") or {}
    return found


def batch_get(
    client: Any,
    table: str,
    keys: Sequence[Mapping[str, Any]],
    *,
    consistent_read: bool = False,
    projection: str | None = None,
    names: Mapping[str, str] | None = None,
    max_backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """The items of ``keys`` in one table that exist (in no particular order), one request per 100 keys."""
    items: list[dict[str, Any]] = []
    for start in range(0, len(keys), MAX_KEYS):
        spec: dict[str, Any] = {"Keys": list(keys[start : start + MAX_KEYS])}
        if consistent_read:
            spec["ConsistentRead"] = True
        if projection is not None:
            spec["ProjectionExpression"] = projection
        if names:
            spec["ExpressionAttributeNames"] = dict(names)
        items.extend(batch_get_request(client, {table: spec}, max_backoff_s=max_backoff_s, sleep=sleep)[table])
    return items
