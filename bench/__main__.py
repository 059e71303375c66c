"""`make bench`: every benchmark, printed as one report of tables (copy the figures into docs/performance.md).

python -m bench                  sync at 10,000 contracts (make bench, under 15 minutes on 2 cores)
python -m bench 10000 100000     sync at both sizes, for the RSS ratio (make bench-large)
"""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime


def main() -> int:
    from bench import (
        admin_bench,
        admin_diagnostics_bench,
        coldstart_bench,
        contracts_bench,
        login_timing_bench,
        payments_bench,
        sync_bench,
        web_bench,
    )

    sizes = tuple(int(s) for s in sys.argv[1:]) or (10_000,)
    started = time.monotonic()
    print(f"# Benchmarks {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}\n", flush=True)  # fmt: skip
    print("## Sync (ASPIRE -> DynamoDB Local), against batch_writer() of the same items\n", flush=True)
    print(sync_bench.table(sync_bench.run(sizes)) + "\n", flush=True)
    print("## Cold start of the API functions, against the Powertools floor\n", flush=True)
    print(coldstart_bench.table(coldstart_bench.run()) + "\n", flush=True)
    print("## Failed login, forgot-password, enrollment: known vs unknown email\n", flush=True)
    print(login_timing_bench.table(login_timing_bench.run()) + "\n", flush=True)
    print("## Contracts API\n", flush=True)
    contracts_bench.print_table(contracts_bench.run())
    print("\n## Admin user search at 1,000 and 10,000 users on one site, against one GetItem\n", flush=True)
    print(admin_bench.table(admin_bench.run()) + "\n", flush=True)
    print("\n## Payments writer (local runtime: DynamoDB Local, moto, the demo ASPIRE)\n", flush=True)
    print(payments_bench.table(payments_bench.run()) + "\n", flush=True)
    print("\n## Borrower web app (headless Chromium against the local runtime)\n", flush=True)
    print(web_bench.table(web_bench.run()), flush=True)
    print("\n## Admin account search and diagnostics: AWS operations per request\n", flush=True)
    print(admin_diagnostics_bench.table(admin_diagnostics_bench.run()), flush=True)
    print(f"\n(whole run: {(time.monotonic() - started) / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
