"""Admin reads benchmark: AWS operations per account search and per diagnostics checklist (issue #10).

Two ASPIRE sizes (the accounts synced for real into moto in-process); each admin read route is called through
the admin Lambda handler with a support member's claims. Target: the same operations at both sizes (no call
grows with the number of accounts, none is a Scan). Counts only: moto's latency says nothing about DynamoDB's.

    .venv/bin/python -m bench.admin_diagnostics_bench   (or `make bench`, which calls `run()`)
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import AwsMeter, moto_tables

PREFIX = "benchadmin"
SIZES = (100, 1000)  # accounts besides the diagnosed ones
SUPPORT = {"sub": "bench-support", "email": "support@example.com", "cognito:groups": "[portal-support]"}


def _build_aspire(path: Path, others: int) -> str:
    """The diagnosed account and contract (returned: its id), among ``others`` accounts of similar names."""
    from local.aspire.scenario import AspireScenario

    scenario = AspireScenario(path)
    scenario.account("A-CEDAR", "Cedar Trucking LLC")
    contract_id = scenario.contract("A-CEDAR")
    for n in range(others):
        # Names sharing the searched words' buckets, so the index partitions hold many entries.
        scenario.account(f"A-{n:05d}", f"Cedar {('Farms', 'Transport', 'Holdings', 'Dental')[n % 4]} {n}")
        scenario.contract(f"A-{n:05d}")
    scenario.close()
    return contract_id


def _route_ops(meter: AwsMeter, handler: Any, event: dict[str, Any]) -> Counter[str]:
    from local.events import LambdaContextStub

    before = Counter(meter.calls)
    response = handler(event, LambdaContextStub("admin"))
    assert response["statusCode"] == 200, response["body"]
    return meter.calls - before


def _measure_size(others: int, meter: AwsMeter, scratch: Path) -> list[dict[str, Any]]:
    from local.events import api_event
    from portal.domain.settings import Site
    from portal.services.identity.models import User, UserStatus
    from portal.wiring import SyncWiring

    aspire = scratch / f"aspire-{others}.db"
    contract_id = _build_aspire(aspire, others)
    os.environ["ASPIRE_SQLITE_PATH"] = str(aspire)
    sync = SyncWiring.from_env()
    sync.sites.put_site(Site(site_id="summit", display_name="Summit", is_default=True))
    assert sync.engine().run("full")["status"] == "succeeded"
    user = User("summit", "U-BENCH", "pat@example.com", "Pat", "Lee", UserStatus.ACTIVE, "2026-01-01T00:00:00Z")
    sync.identity_store.create_user(user, ["A-CEDAR"], link_source="bench")
    app = importlib.import_module("admin.app")
    for module in ("admin.common",):
        importlib.import_module(module).wiring = sync
    sync.site_maps.get()  # cached per container: not part of any request below
    reads = [
        ("account search q=cedar truking", "/admin/sites/summit/accounts", {"q": "cedar truking"}),
        ("account search q=cedar (limit 25)", "/admin/sites/summit/accounts", {"q": "cedar"}),
        ("reverse lookup", "/admin/sites/summit/accounts/A-CEDAR/users", {}),
        ("contract-visibility", "/admin/sites/summit/diagnostics/contract-visibility",
         {"user_id": "U-BENCH", "contract_id": contract_id}),
        ("account-linkability", "/admin/sites/summit/diagnostics/account-linkability", {"account_id": "A-CEDAR"}),
        ("enrollment", "/admin/sites/summit/diagnostics/enrollment", {"email": "pat@example.com"}),
    ]  # fmt: skip
    rows = []
    for name, path, query in reads:
        event = api_event("GET", path, query=query, api_id="admin", authorizer={"claims": SUPPORT})
        ops = _route_ops(meter, app.handler, event)
        operations = " + ".join(f"{op.split('.', 1)[1]} x{n}" for op, n in sorted(ops.items()))
        rows.append({"accounts": others + 1, "route": name, "aws_calls": sum(ops.values()),
                     "scans": ops["dynamodb.Scan"], "aws_ops": operations})  # fmt: skip
    os.environ.pop("ASPIRE_SQLITE_PATH", None)
    return rows


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for others in sizes:
        with tempfile.TemporaryDirectory() as scratch, moto_tables(PREFIX) as (meter, _):
            rows.extend(_measure_size(others, meter, Path(scratch)))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| accounts | route | AWS calls | operations | Scans |", "|---:|---|---:|---|---:|"]
    lines += [f"| {r['accounts']} | {r['route']} | {r['aws_calls']} | {r['aws_ops']} | {r['scans']} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
