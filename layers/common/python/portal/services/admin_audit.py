"""The admin audit log (PRODUCT.md §7): the actor of an admin write, and the log's newest-first reading.

Writes never happen here: each admin service puts its `AuditEntry` in the same `TransactWriteItems` as the
change (`portal.adapters.dynamodb.audit.audit_put`). Reading is Query only: one site's entries through gsi1,
every entry through the month partitions, newest month first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.adapters.dynamodb.audit import AUDIT_PREFIX, AuditEntry, month_pk, site_index_pk
from portal.adapters.dynamodb.codec import from_item
from portal.services.pagination import PageScope, decode_page_token, encode_page_token

# Without `since`, the unfiltered log looks back this many months (each month is one partition Query at most).
DEFAULT_MONTHS = 24
_ENTRY_FIELDS = ("entry_id", "at", "actor_sub", "actor_email", "action", "site_id", "target", "before", "after")


@dataclass(frozen=True)
class Actor:
    """Who performs an admin write, and through which route (`PATCH /admin/sites/{site}`)."""

    sub: str
    email: str
    action: str

    def entry(
        self,
        at: datetime,
        site_id: str | None,
        target: Mapping[str, str],
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> AuditEntry:
        return AuditEntry(
            at=at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_sub=self.sub,
            actor_email=self.email,
            action=self.action,
            site_id=site_id,
            target=dict(target),
            before=before,
            after=after,
        )


def _months_back(newest: datetime, oldest: datetime) -> list[str]:
    months, year, month = [], newest.year, newest.month
    while (year, month) >= (oldest.year, oldest.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def _position(value: Any) -> tuple[str, str] | None:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and 0 < len(v) <= 256 for v in value):
        return value[0], value[1]
    return None


class AuditLog:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def page(
        self,
        scope: PageScope,
        *,
        now: datetime,
        site_id: str | None,
        since: datetime | None,
        limit: int,
        next_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Entries newest first; the token holds (partition, last sort key) and is bound to the caller."""
        since_sk = since.astimezone(UTC).isoformat(timespec="microseconds") if since else None
        if site_id is not None:
            partitions = [site_index_pk(site_id)]
        else:
            oldest = since or now.replace(year=now.year - DEFAULT_MONTHS // 12)
            partitions = [month_pk(m) for m in _months_back(now, oldest)]
        start: tuple[str, str] | None = None
        if next_token:
            start = decode_page_token(next_token, scope, _position)
            # (a token of another filter cannot reach here: the scope is signed; but be exact)
            partitions = partitions[partitions.index(start[0]) :] if start[0] in partitions else []
        entries: list[dict[str, Any]] = []
        last: tuple[str, str] | None = None
        for partition in partitions:
            after = start[1] if start and start[0] == partition else None
            for item in self._query(partition, site_id is not None, since_sk, after, limit - len(entries)):
                entries.append({k: item.get(k) for k in _ENTRY_FIELDS})
                last = (partition, item["sk"] if site_id is None else item["gsi1sk"])
            if len(entries) >= limit:
                break
        more = len(entries) >= limit and last is not None
        return entries, encode_page_token(list(last), scope) if more and last else None

    def _query(
        self, partition: str, by_site: bool, since_sk: str | None, after: str | None, want: int
    ) -> list[dict[str, Any]]:
        pk, sk = ("gsi1pk", "gsi1sk") if by_site else ("pk", "sk")
        condition = f"{pk} = :pk" + (f" AND {sk} >= :since" if since_sk else "")
        values: dict[str, Any] = {":pk": {"S": partition}}
        if since_sk:
            values[":since"] = {"S": since_sk}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": want,
        }
        if by_site:
            kwargs["IndexName"] = "gsi1"
        if after:
            kwargs["ExclusiveStartKey"] = self._start_key(partition, after, by_site)
        response = self._client.query(**kwargs)
        return [from_item(raw) for raw in response["Items"]]

    @staticmethod
    def _start_key(partition: str, sort: str, by_site: bool) -> dict[str, Any]:
        if not by_site:
            return {"pk": {"S": partition}, "sk": {"S": sort}}
        # gsi1's sort key is the entry's own sort key, in the month partition of its time
        table_pk = f"{AUDIT_PREFIX}{sort[:7]}"
        return {"pk": {"S": table_pk}, "sk": {"S": sort}, "gsi1pk": {"S": partition}, "gsi1sk": {"S": sort}}
