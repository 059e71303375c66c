"""`make bench`: every benchmark, printed as tables (copy the figures into docs/performance.md)."""

from __future__ import annotations

import importlib.util
import platform
import sys
from datetime import UTC, datetime


def main() -> int:
    print(f"# Benchmarks {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}\n")  # fmt: skip
    from bench import sync_bench

    sizes = tuple(int(s) for s in sys.argv[1:]) or (10_000, 100_000)
    print("## Sync (ASPIRE -> DynamoDB)\n")
    print(sync_bench.table(sync_bench.run(sizes)) + "\n", flush=True)
    if importlib.util.find_spec("bench.contracts_bench"):
        from bench import contracts_bench

        print("## Contracts API\n")
        contracts_bench.print_table(contracts_bench.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
