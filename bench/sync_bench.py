"""Sync benchmark (issue: Sync): throughput, write efficiency and memory at 10,000 and 100,000 contracts.

Each size runs in its own process so its peak RSS is its own. DynamoDB is moto, served from a separate
moto server process on loopback, so the sync process's memory holds only the sync (moto in the same process
would keep every item in the measured process). Figures:

* rows/s: ASPIRE rows read per second of a full sync into an empty portal;
* BatchWriteItem calls per changed item: after changing N contracts in ASPIRE, the incremental run's calls
  against ceil(items written / 25) (data items) plus ceil(manifests / 25);
* writes on an unchanged rerun (incremental and daily): target 0;
* peak RSS of the sync process, and the 100,000 / 10,000 ratio (target <= 1.2).
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".local" / "bench"
CHANGED_CONTRACTS = 500


def _child(size: int, endpoint: str) -> dict[str, Any]:
    """Runs in a fresh process: seed (cached), full sync, reruns, a change and its incremental run."""
    import boto3

    from local.aspire.personas import DEMO_SITES
    from local.aspire.seed import seed
    from portal.adapters.aspire.sqlite import SqliteAspireSource
    from portal.config import table_env
    from portal.domain.settings import Site
    from portal.wiring import SyncWiring

    db = WORK / f"aspire-{size}.db"
    if not db.exists():
        seed(db, scale=size)
    prefix = f"bench{size}"
    os.environ.update(table_env(prefix))
    os.environ.update(AWS_ENDPOINT_URL=endpoint, ASPIRE_SQLITE_PATH=str(db))
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import create_tables

    client = boto3.client("dynamodb")
    create_tables(client, prefix)
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
    written = int(changed["items_written"])
    manifests = int(changed["manifests_written"])
    return {
        "contracts": size,
        "rows_read": full["rows_read"],
        "items_written": full["items_written"],
        "full_sync_s": round(full_s, 1),
        "rows_per_s": round(full["rows_read"] / full_s),
        "writes_per_row": round(full["items_written"] / max(full["rows_read"], 1), 3),
        "changed_items": written,
        "batch_calls": changed["batch_write_calls"],
        "ceil_target": math.ceil(written / 25) + math.ceil(manifests / 25),
        "unchanged_incremental_writes": rerun_incremental["items_written"] + rerun_incremental["items_deleted"],
        "unchanged_daily_writes": rerun_daily["items_written"] + rerun_daily["items_deleted"],
        "baseline_rss_mb": round(baseline_rss, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(sizes: tuple[int, ...] = (10_000, 100_000)) -> list[dict[str, Any]]:
    from local.services import free_port

    WORK.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own venv's moto server on loopback
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_LOG_LEVEL": "ERROR"}  # fmt: skip
    results = []
    try:
        time.sleep(2)
        for size in sizes:
            print(f"  sync bench: {size:,} contracts (seed is cached under {WORK}) ...", flush=True)
            out = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "bench.sync_bench", "--child", str(size), f"http://127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        server.kill()
        server.wait(timeout=10)
    if len(results) == 2:
        results[1]["rss_ratio_vs_first"] = round(results[1]["peak_rss_mb"] / results[0]["peak_rss_mb"], 2)
    return results


def table(results: list[dict[str, Any]]) -> str:
    columns = [
        ("contracts", "contracts"), ("rows_read", "rows read"), ("rows_per_s", "rows/s"),
        ("full_sync_s", "full sync s"), ("writes_per_row", "writes/row"), ("changed_items", "changed items"),
        ("batch_calls", "BatchWrite calls"),
        ("ceil_target", "ceil target"), ("unchanged_incremental_writes", "rerun writes (incr)"),
        ("unchanged_daily_writes", "rerun writes (daily)"), ("peak_rss_mb", "peak RSS MB"),
        ("rss_ratio_vs_first", "RSS ratio"),
    ]  # fmt: skip
    lines = [" | ".join(title for _, title in columns), " | ".join("---" for _ in columns)]
    for row in results:
        cells = (f"{row[key]:,}" if isinstance(row.get(key), int) else str(row.get(key, "")) for key, _ in columns)
        lines.append(" | ".join(cells))
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(int(sys.argv[2]), sys.argv[3])))
    else:
        print(table(run()))
