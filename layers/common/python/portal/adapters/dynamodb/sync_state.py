"""The sync's own records in the control table: lease, watermarks, run records, restore events, manifests.

A manifest remembers, per contract or account, which portal items the sync wrote for it and a hash of each
item's content. It is what lets a run skip unchanged items (no write at all), delete items that should no
longer exist (a contract whose label now maps to another site, a role that was removed), and resume after a
crash: items are written first and the manifest last, so a manifest never claims more than was written.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from portal.adapters.dynamodb.batch_get import batch_get
from portal.adapters.dynamodb.codec import from_item, key, to_item
from portal.adapters.dynamodb.query import query_items

SYNC_PK = "SYNC"
RUNS_PK = "SYNCRUN"
EVENTS_PK = "SYNCEVENT"
MANIFEST_SHARDS = 8


def manifest_key(kind: str, entity_id: str) -> tuple[str, str]:
    """Manifests are spread over a few partitions so a full resync does not write to a single hot one."""
    shard = zlib.crc32(entity_id.encode()) % MANIFEST_SHARDS
    return f"MANIFEST#{kind}#{shard}", entity_id


class DynamoSyncState:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    # --- lease ---------------------------------------------------------------------------------------------
    def acquire_lease(self, owner: str, now: datetime, ttl_s: int) -> dict[str, Any] | None:
        """Takes the single sync lease; returns None when taken, else the holder's record when refused."""
        expires = int(now.timestamp()) + ttl_s
        try:
            self._client.put_item(
                TableName=self.table,
                Item=to_item(
                    {"pk": SYNC_PK, "sk": "LEASE", "owner": owner, "lease_until": expires, "taken_at": now.isoformat()}
                ),
                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now OR #o = :owner",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}, ":owner": {"S": owner}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            current = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, "LEASE")).get("Item")
            return from_item(current) if current else {"owner": "unknown"}
        return None

    def lease(self, now: datetime) -> dict[str, Any] | None:
        """The lease while a run holds it (None when free or expired): the admin API's 409 on a full run."""
        response = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, "LEASE"), ConsistentRead=True)
        item = from_item(response["Item"]) if "Item" in response else None
        return item if item and int(item.get("lease_until", 0)) >= int(now.timestamp()) else None

    def watermarks_record(self) -> dict[str, Any]:
        """The watermarks with their `updated_at` and the site map hash (admin sync status)."""
        response = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, "WATERMARKS"), ConsistentRead=True)
        item = from_item(response["Item"]) if "Item" in response else {}
        return {k: v for k, v in item.items() if k not in ("pk", "sk")}

    def release_lease(self, owner: str) -> None:
        try:
            self._client.delete_item(
                TableName=self.table,
                Key=key(SYNC_PK, "LEASE"),
                ConditionExpression="#o = :owner",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # --- watermarks ----------------------------------------------------------------------------------------
    def watermarks(self) -> dict[str, int]:
        response = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, "WATERMARKS"), ConsistentRead=True)
        item = from_item(response["Item"]) if "Item" in response else {}
        return {k.removeprefix("wm_"): int(v) for k, v in item.items() if k.startswith("wm_")}

    def site_map_hash(self) -> str | None:
        """The site map's fingerprint as of the last run that moved the watermarks (None before the first)."""
        response = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, "WATERMARKS"), ConsistentRead=True)
        value = from_item(response["Item"]).get("site_map_hash") if "Item" in response else None
        return str(value) if value else None

    def set_watermarks(self, values: dict[str, int], now: datetime, site_map_hash: str | None = None) -> None:
        """Stores the watermarks; `site_map_hash` (the map the run synced against) is kept when not given."""
        response = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, "WATERMARKS"), ConsistentRead=True)
        stored = from_item(response["Item"]) if "Item" in response else {}
        current = {k.removeprefix("wm_"): int(v) for k, v in stored.items() if k.startswith("wm_")}
        current.update(values)
        item: dict[str, Any] = {"pk": SYNC_PK, "sk": "WATERMARKS", "updated_at": now.isoformat()}
        item.update({f"wm_{job}": value for job, value in current.items()})
        hash_value = site_map_hash or stored.get("site_map_hash")
        if hash_value:
            item["site_map_hash"] = hash_value
        self._client.put_item(TableName=self.table, Item=to_item(item))

    # --- runs and events -----------------------------------------------------------------------------------
    def put_run(self, run: dict[str, Any]) -> None:
        item = {"pk": RUNS_PK, "sk": f"{run['started_at']}#{run['run_id']}", **run}
        self._client.put_item(TableName=self.table, Item=to_item(item))
        if run.get("status") == "succeeded":
            status = {"pk": SYNC_PK, "sk": f"LAST_SUCCESS#{run['job']}", **run}
            self._client.put_item(TableName=self.table, Item=to_item(status))

    def fail_dispatched_run(self, run: dict[str, Any], errors: list[str], chunks_queued: int) -> None:
        """Marks a dispatched run failed in place: an update, not a put, so the `chunks_done` its queued
        chunks are counting into the record survives."""
        self._client.update_item(
            TableName=self.table,
            Key=key(RUNS_PK, f"{run['started_at']}#{run['run_id']}"),
            UpdateExpression="SET #s = :failed, #e = :errors, chunks_queued = :queued, ended_at = :ended",
            ExpressionAttributeNames={"#s": "status", "#e": "errors"},
            ExpressionAttributeValues={
                ":failed": {"S": "failed"},
                ":errors": {"L": [{"S": e} for e in errors]},
                ":queued": {"N": str(chunks_queued)},
                ":ended": {"S": str(run["ended_at"])},
            },
        )

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        response = self._client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": RUNS_PK}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_item(i) for i in response["Items"]]

    def last_success(self, job: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self.table, Key=key(SYNC_PK, f"LAST_SUCCESS#{job}"))
        return from_item(response["Item"]) if "Item" in response else None

    def record_event(self, kind: str, now: datetime, detail: dict[str, Any]) -> None:
        item = {"pk": EVENTS_PK, "sk": f"{now.isoformat()}#{kind}", "kind": kind, "at": now.isoformat(), **detail}
        self._client.put_item(TableName=self.table, Item=to_item(item))

    def events(self, limit: int = 20) -> list[dict[str, Any]]:
        response = self._client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": EVENTS_PK}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_item(i) for i in response["Items"]]

    # --- manifests -----------------------------------------------------------------------------------------
    def get_manifests(self, kind: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = [key(*manifest_key(kind, i)) for i in dict.fromkeys(ids)]
        items = (_decode_manifest(raw) for raw in batch_get(self._client, self.table, wanted))
        return {item["sk"]: item for item in items}

    def manifests_in_range(self, kind: str, first: str, last: str) -> Iterator[dict[str, Any]]:
        first = first or "\x01"  # DynamoDB refuses an empty key value; every id sorts after \x01
        for shard in range(MANIFEST_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"MANIFEST#{kind}#{shard}"},
                    ":first": {"S": first},
                    ":last": {"S": last},
                },
            }
            yield from (_decode_manifest(item) for item in query_items(self._client, kwargs))

    def manifest_item(self, kind: str, entity_id: str, manifest: dict[str, Any]) -> dict[str, Any]:
        pk, sk = manifest_key(kind, entity_id)
        return to_item({"pk": pk, "sk": sk, **manifest, "items": json.dumps(manifest["items"], sort_keys=True)})

    def manifest_key_item(self, kind: str, entity_id: str) -> dict[str, Any]:
        return key(*manifest_key(kind, entity_id))


def _decode_manifest(item: dict[str, Any]) -> dict[str, Any]:
    # The item -> hash map is stored as one JSON string, not a DynamoDB map: it is only ever read whole, and a
    # string costs DynamoDB (and moto) nothing to parse per entry.
    if isinstance(item.get("items"), str):
        item["items"] = json.loads(item["items"])
    return item


class ChunkProgress:
    """Counts finished chunks of a dispatched run on its run record; the last finisher completes the run."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def complete_chunk(self, run_sk: str, counters: dict[str, int]) -> dict[str, Any]:
        names = {f"#{k}": k for k in counters}
        values = {f":{k}": {"N": str(v)} for k, v in counters.items()}
        expression = "ADD chunks_done :one, " + ", ".join(f"#{k} :{k}" for k in counters)
        response = self._client.update_item(
            TableName=self._table,
            Key=key(RUNS_PK, run_sk),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":one": {"N": "1"}, **values},
            ConditionExpression="attribute_exists(pk)",
            ReturnValues="ALL_NEW",
        )
        return from_item(response["Attributes"])
