"""Admin user search benchmark: AWS operations and p50 per search at 1,000 and 10,000 users on one site.

Users are written through the identity store (so each has the search index entries a real user write makes)
into moto in-process; each search runs `DynamoIdentityStore.search_users` for a query plan of the admin route,
against a same-run baseline of one GetItem on the same table. The target: operations per search depend on the
query only (a few Queries on small partitions, no Scan), the same at 1,000 and 10,000 users.

Latency note: moto's in-process Query sorts the items of the whole table on each call, so its figures grow with
the table where DynamoDB's do not; the operation counts are the measure that carries over to AWS.

    .venv/bin/python -m bench.admin_bench   (or `make bench`, which calls `run()`)
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from typing import Any

from bench.common import AwsMeter, moto_tables

SIZES = (1_000, 10_000)
SEARCHES = 10
PREFIX = "benchadmin"
FIRST = ["John", "Jon", "Mary", "Maria", "Ann", "Anne", "Robert", "Bob", "Linda", "Luis", "Chen", "Priya",
         "Omar", "Sofia", "Noah", "Emma", "Liam", "Olivia", "Ava", "Ethan", "Mia", "Lucas", "Zoe", "Ivan"]  # fmt: skip
LAST = ["Smith", "Smyth", "Johnson", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez",
        "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson"]  # fmt: skip
QUERIES = ("Jon Smyth", "mar", "garcia", "user42@example.com")


class _BatchedWrites:
    """The store's client for the set-up only: its user transactions' Puts (the same items a user write makes)
    are written with BatchWriteItem, since thousands of moto transactions would take most of the run."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.pending: list[dict[str, Any]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        self.pending.extend(action["Put"] for action in TransactItems if "Put" in action)
        while len(self.pending) >= 25:
            self.flush(25)

    def flush(self, size: int = 25) -> None:
        batch, self.pending = self.pending[:size], self.pending[size:]
        if batch:
            requests = {batch[0]["TableName"]: [{"PutRequest": {"Item": put["Item"]}} for put in batch]}
            while requests:
                requests = self._client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}


def _users(store: Any, site: str, count: int, seed: int) -> None:
    from portal.services.identity.models import User, UserStatus

    writes: _BatchedWrites = store._client
    rng = random.Random(seed)
    for n in range(count):
        first = rng.choice(FIRST) + ("" if rng.random() < 0.7 else rng.choice(["a", "o", "ie"]))
        last = rng.choice(LAST) + ("" if rng.random() < 0.6 else str(rng.randint(2, 99)))
        user = User(site, f"u{seed}-{n:05d}", f"user{n}@example.com", first, last, UserStatus.ACTIVE,
                    "2026-01-01T00:00:00+00:00")  # fmt: skip
        store.create_user(user, (), link_source="bench")
    while writes.pending:
        writes.flush()


def _measure(fn: Any, meter: AwsMeter, repeat: int) -> tuple[float, float]:
    fn()  # warm
    before = sum(meter.calls.values())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return (sum(meter.calls.values()) - before) / repeat, statistics.median(times)


def run(sizes: tuple[int, ...] = SIZES, searches: int = SEARCHES) -> list[dict[str, Any]]:
    from portal.adapters.dynamodb.codec import key
    from portal.adapters.dynamodb.identity import DynamoIdentityStore
    from portal.adapters.dynamodb.tables import TABLES
    from portal.services.user_search import plan

    rows: list[dict[str, Any]] = []
    for size in sizes:
        with moto_tables(PREFIX) as (meter, client):
            identity_table = next(t for t in TABLES if t.logical_name == "identity").physical_name(PREFIX)
            _users(DynamoIdentityStore(_BatchedWrites(client), identity_table), "summit", size, seed=size)
            store = DynamoIdentityStore(client, identity_table)
            meter.calls.clear()
            user_key = key("S#summit#U#u" + str(size) + "-00001", "USER")
            get = lambda c=client, t=identity_table, k=user_key: c.get_item(TableName=t, Key=k)  # noqa: E731
            ops, p50 = _measure(get, meter, searches)
            rows.append({"users": size, "query": "baseline: one GetItem", "ops": ops, "p50_ms": p50, "found": 1})
            for q in QUERIES:
                query = plan(q)
                found = len(store.search_users("summit", query, None))
                search = lambda s=store, p=query: s.search_users("summit", p, None)  # noqa: E731
                ops, p50 = _measure(search, meter, searches)
                scans = meter.calls.get("Scan", 0)
                assert scans == 0, "a search must never Scan"
                rows.append({"users": size, "query": q, "ops": ops, "p50_ms": p50, "found": found})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| users | search | AWS ops / search | p50 ms | matches |", "|---:|---|---:|---:|---:|"]
    lines += [f"| {r['users']:,} | {r['query']} | {r['ops']:.0f} | {r['p50_ms']:.1f} | {r['found']} |" for r in rows]
    return "\n".join(lines)


def ops_by_query(rows: list[dict[str, Any]]) -> dict[str, Counter[int]]:
    """{query: {users: ops}}: the claim "cost does not grow with users" is that each row holds one value."""
    result: dict[str, Counter[int]] = {}
    for row in rows:
        result.setdefault(row["query"], Counter())[row["users"]] = int(row["ops"])
    return result


if __name__ == "__main__":
    print(table(run()))
