"""`make bench`: every benchmark, printed as one report of tables (copy the figures into docs/performance.md).

python -m bench                  sync at 10,000 contracts (make bench, under 15 minutes on 2 cores)
python -m bench 10000 100000     sync at both sizes, for the RSS ratio (make bench-large)
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime


def main() -> int:
    from bench import (
        admin_bench,
        admin_diagnostics_bench,
        coldstart_bench,
        contracts_bench,
        login_timing_bench,
        payments_api_bench,
        payments_bench,
        sync_bench,
        web_bench,
    )

    sizes = tuple(int(s) for s in sys.argv[1:]) or (10_000,)
    # (heading, the report of one benchmark), in the order docs/performance.md has them
    sections: list[tuple[str, Callable[[], str]]] = [
        ("Sync (ASPIRE -> DynamoDB Local), against batch_writer() of the same items",
         lambda: sync_bench.table(sync_bench.run(sizes))),
        ("Cold start of the API functions, against the Powertools floor",
         lambda: coldstart_bench.table(coldstart_bench.run())),
        ("Failed login, forgot-password, enrollment: known vs unknown email",
         lambda: login_timing_bench.table(login_timing_bench.run())),
        ("Contracts API", lambda: contracts_bench.table(contracts_bench.run())),
        ("Admin user search at 1,000 and 10,000 users on one site, against one GetItem",
         lambda: admin_bench.table(admin_bench.run())),
        ("Payments API (DynamoDB Local, moto server): AWS operations per request, against one GetItem",
         lambda: payments_api_bench.table(payments_api_bench.run())),
        ("Payments writer (local runtime: DynamoDB Local, moto, the demo ASPIRE)",
         lambda: payments_bench.table(payments_bench.run())),
        ("Borrower web app (headless Chromium against the local runtime)", lambda: web_bench.table(web_bench.run())),
        ("Admin account search and diagnostics: AWS operations per request",
         lambda: admin_diagnostics_bench.table(admin_diagnostics_bench.run())),
    ]  # fmt: skip
    started = time.monotonic()
    print(f"# Benchmarks {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}\n", flush=True)  # fmt: skip
    for heading, report in sections:
        print(f"## {heading}\n", flush=True)
        print(report() + "\n", flush=True)
    print(f"(whole run: {(time.monotonic() - started) / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
