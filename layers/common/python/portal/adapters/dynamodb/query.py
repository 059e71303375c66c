"""Every item of a DynamoDB Query, page after page: boto3's paginator follows `LastEvaluatedKey` (one Query
call per page, as before), so no adapter writes that loop again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from portal.adapters.dynamodb.codec import from_item


def query_pages(client: Any, request: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The raw items of each page of `request` (a low-level client's Query arguments)."""
    for page in client.get_paginator("query").paginate(**request):
        yield page["Items"]


def query_items(client: Any, request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The decoded items of every page of `request`."""
    for items in query_pages(client, request):
        yield from (from_item(raw) for raw in items)
