"""Sync benchmark: a full sync against the floor of writing its own items, at 10,000 (and 100,000) contracts.

DynamoDB is DynamoDB Local (in memory, on loopback), whose Query reads a key range as DynamoDB does; moto's
scans the whole table, which made the earlier figures measure moto more than the portal. Each size runs in
its own process so its peak RSS is its own (the stored items live in the Java process, not in ours).

The floor is measured in the same run, on the same DynamoDB Local: after the sync, its tables are scanned
back to a file, and those very items are written into fresh tables with boto3's `Table.batch_writer()`:
what any loader of that data would pay at the least. Figures:

* full sync s vs floor s, and their ratio (target <= 1.3 at 100,000 contracts; reported, not asserted);
* writes per ASPIRE row read;
* BatchWriteItem calls of an incremental run after changing 500 contracts, against
  ceil(items written / 25) + ceil(manifests / 25);
* writes on an unchanged rerun (incremental and daily): target 0;
* peak RSS of the sync process (before the floor's scan), and the RSS ratio between the sizes (target <= 1.2);
* seed s: how long seeding that ASPIRE took, when this run seeded it (the seeded databases are cached under
  .local/bench/, so mostly blank).

    .venv/bin/python -m bench.sync_bench [contracts ...]
"""

from __future__ import annotations

import json
import math
import os
import pickle
import resource
import shutil
import subprocess
import sys
import time
from typing import Any

from bench.common import WORK, markdown_table, run_child

CHANGED_CONTRACTS = 500
DUMMY_ENDPOINT = "http://127.0.0.1:9"  # every AWS service but DynamoDB: the sync must not need them


def _child(size: int) -> dict[str, Any]:
    """Runs in a fresh process: seed (cached), full sync, reruns, a change and its incremental run, the floor."""
    import boto3

    from local.aspire.personas import DEMO_SITES
    from local.aspire.seed import seed
    from local.dynamodb_local import ensure_tables
    from portal.adapters.aspire.sqlite import SqliteAspireSource
    from portal.config import table_env
    from portal.domain.settings import Site
    from portal.wiring import SyncWiring

    db = WORK / f"aspire-{size}.db"
    seed_s = seed(db, scale=size).elapsed_s if not db.exists() else None
    prefix = f"bench{size}"
    os.environ.update(table_env(prefix), ASPIRE_SQLITE_PATH=str(db))
    ensure_tables(boto3.client("dynamodb"), prefix)
    wiring = SyncWiring.from_env()
    for spec in DEMO_SITES:
        wiring.sites.put_site(Site.model_validate(spec))
    baseline_rss = _rss_mb()

    started = time.perf_counter()
    full = wiring.engine().run("full")
    full_s = time.perf_counter() - started
    rerun_incremental = wiring.engine().run("incremental")
    rerun_daily = wiring.engine().run("daily")

    source = SqliteAspireSource(db)
    with source.write_transaction() as tx:
        tx.execute(
            # A new amount each time: the seeded database is cached between benchmark runs.
            "UPDATE Contract SET NextDueAmount = ? WHERE ContractId IN "
            "(SELECT ContractId FROM Contract WHERE IsBooked = 1 ORDER BY ContractId LIMIT ?)",
            (f"{time.time() % 10_000:.2f}", CHANGED_CONTRACTS),
        )
    changed = wiring.engine().run("incremental")
    peak_rss = _rss_mb()  # before the floor: its scan is not the sync's memory
    items, floor_s = _floor(prefix, f"floor{size}")
    written = int(changed["items_written"])
    manifests = int(changed["manifests_written"])
    return {
        "contracts": size,
        "seed_s": round(seed_s, 1) if seed_s is not None else "",
        "rows_read": full["rows_read"],
        "items_written": full["items_written"],
        "items": items,
        "full_sync_s": round(full_s, 1),
        "floor_s": round(floor_s, 1),
        "ratio": round(full_s / floor_s, 2),
        "rows_per_s": round(full["rows_read"] / full_s),
        "writes_per_row": round(full["items_written"] / max(full["rows_read"], 1), 3),
        "changed_items": written,
        "batch_calls": changed["batch_write_calls"],
        "ceil_target": math.ceil(written / 25) + math.ceil(manifests / 25),
        "unchanged_incremental_writes": rerun_incremental["items_written"] + rerun_incremental["items_deleted"],
        "unchanged_daily_writes": rerun_daily["items_written"] + rerun_daily["items_deleted"],
        "baseline_rss_mb": round(baseline_rss, 1),
        "peak_rss_mb": round(peak_rss, 1),
    }


def _floor(prefix: str, floor_prefix: str) -> tuple[int, float]:
    """Writes the items now in the sync's tables into fresh tables with `batch_writer()`: (items, seconds).

    The scan goes to a file page by page first (100,000 contracts are a million items: not a list in memory),
    and only the writing is timed."""
    import boto3

    from local.dynamodb_local import ensure_tables
    from portal.adapters.dynamodb.tables import TABLES

    dynamodb = boto3.resource("dynamodb")
    ensure_tables(dynamodb.meta.client, floor_prefix)
    dump = WORK / f"{prefix}-items.pickle"
    items = 0
    with dump.open("wb") as out:
        for table in TABLES:
            kwargs: dict[str, Any] = {}
            while True:
                page = dynamodb.Table(table.physical_name(prefix)).scan(**kwargs)
                items += len(page["Items"])
                pickle.dump((table.physical_name(floor_prefix), page["Items"]), out)
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    started = time.perf_counter()
    writers: dict[str, Any] = {}
    try:
        with dump.open("rb") as pages:
            while True:
                try:
                    name, page_items = pickle.load(pages)  # noqa: S301 - the file this function just wrote
                except EOFError:
                    break
                if name not in writers:
                    writers[name] = dynamodb.Table(name).batch_writer()
                    writers[name].__enter__()
                for item in page_items:
                    writers[name].put_item(Item=item)
    finally:
        for writer in writers.values():
            writer.__exit__(None, None, None)
    seconds = time.perf_counter() - started
    dump.unlink()
    return items, seconds


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _DynamoDBLocal:
    """DynamoDB Local in memory with a heap of our choosing (`local.dynamodb_local` fixes 1 GB: enough for the
    tests, short for a million items twice over at 100,000 contracts)."""

    def __init__(self, port: int, heap: str) -> None:
        from local.dynamodb_local import find_jar
        from local.runtime import Paths

        jar = find_jar(Paths())
        if shutil.which("java") is None:
            raise SystemExit("Java 17 is needed for DynamoDB Local and `java` is not on PATH.")
        self.endpoint = f"http://127.0.0.1:{port}"
        command = ["java", f"-Xmx{heap}", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar",
                   str(jar), "-sharedDb", "-disableTelemetry", "-inMemory", "-port", str(port)]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - fixed command line, no shell
            command,
            cwd=jar.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        from local.runtime import port_open

        deadline = time.monotonic() + timeout_s
        while not port_open(self.endpoint):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("DynamoDB Local did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def run(sizes: tuple[int, ...] = (10_000,), heap: str = "4g") -> list[dict[str, Any]]:
    from local.runtime import Paths, handler_environment
    from local.services import free_port

    WORK.mkdir(parents=True, exist_ok=True)
    server = _DynamoDBLocal(free_port(), heap)
    # The handlers' canonical local environment; every service but DynamoDB points at nothing.
    env = {**os.environ, **handler_environment(Paths(WORK), server.endpoint, DUMMY_ENDPOINT),
           "POWERTOOLS_LOG_LEVEL": "ERROR"}  # fmt: skip
    results = []
    try:
        server.wait_ready()
        for size in sizes:
            print(f"  sync bench: {size:,} contracts (seed is cached under {WORK}) ...", flush=True)
            results.append(run_child("bench.sync_bench", [str(size)], env, f"sync bench at {size:,} contracts"))
    finally:
        server.stop()
    for row in results[1:]:
        row["rss_ratio_vs_first"] = round(row["peak_rss_mb"] / results[0]["peak_rss_mb"], 2)
    return results


def table(results: list[dict[str, Any]]) -> str:
    columns = [
        ("contracts", "contracts"), ("rows_read", "rows read"), ("items", "items"), ("full_sync_s", "full sync s"),
        ("floor_s", "floor s"), ("ratio", "ratio"), ("writes_per_row", "writes/row"),
        ("changed_items", "changed items"),
        ("batch_calls", "BatchWrite calls"),
        ("ceil_target", "ceil target"), ("unchanged_incremental_writes", "rerun writes (incr)"),
        ("unchanged_daily_writes", "rerun writes (daily)"), ("peak_rss_mb", "peak RSS MB"),
        ("rss_ratio_vs_first", "RSS ratio"), ("seed_s", "seed s"),
    ]  # fmt: skip
    return markdown_table(columns, results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(_child(int(sys.argv[2]))))
    else:
        print(table(run(tuple(int(size) for size in sys.argv[1:]) or (10_000,))))
