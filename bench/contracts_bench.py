"""Contracts API benchmark: AWS operations per request and in-process handler latency (issue 5).

For users with 1, 5 and 50 visible contracts, made by the real sync from a SQLite ASPIRE into moto in-process,
each contracts route is called through its Lambda handler (the event factory's API Gateway events, the
authorizer context of a signed-in user) and compared with a baseline handler doing a single GetItem on the same
table in the same run. Targets: the contract list costs linked accounts + 1 calls; no route ever Scans.

    .venv/bin/python -m bench.contracts_bench   (or `make bench`, which calls `run()`)
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import AwsMeter, environment, moto_tables, percentile

REQUESTS = 200
WARMUP = 10
PREFIX = "bench"
SIZES = (1, 5, 50)
# Contracts of other customers in the same tables, so no user reads an empty table. Kept small: moto's in-process
# Query sorts every item of the table on each call, so its latency grows with the table (DynamoDB's does not).
OTHER_CUSTOMERS = 20


@dataclass(frozen=True)
class BenchUser:
    visible: int
    accounts: tuple[str, ...]
    loan: str  # a visible loan: its details, invoices and amortization schedule are read


def _build_aspire(path: Path) -> dict[int, BenchUser]:
    """Users with 1, 5 and 50 visible contracts; the bigger ones over several linked accounts and roles."""
    from local.aspire.scenario import AspireScenario

    scenario = AspireScenario(path)
    users: dict[int, BenchUser] = {}
    for size in SIZES:
        accounts = tuple(f"A-{size:03d}-{n}" for n in range(1 if size == 1 else 2 if size == 5 else 3))
        for account in accounts:
            scenario.account(account)
            scenario.line_of_credit(account, "250000.00", "41250.00")
        loan = scenario.contract(accounts[0], contract_type="Loan")
        for n in range(1, size):
            account = accounts[n % len(accounts)]
            kind = ("OperatingLease", "CapitalLease", "OperatingLease", "Loan")[n % 4]
            if n % 7 == 3:  # a guarantee on another customer's contract also makes it visible
                other = scenario.account(f"A-{size:03d}-G{n}")
                scenario.contract(other, contract_type=kind, extra_roles=[(account, "Guarantor")])
            else:
                scenario.contract(account, contract_type=kind)
        scenario.contract(accounts[0], state="terminated")  # closed: not on the open list
        scenario.contract(accounts[0], state="not_booked")  # never visible
        users[size] = BenchUser(size, accounts, loan)
    for n in range(OTHER_CUSTOMERS):
        other = scenario.account(f"A-OTHER-{n:03d}")
        scenario.contract(other, contract_type="OperatingLease")
    scenario.close()
    return users


def baseline_handler(table: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The least a contracts handler can do: same resolver, same principal check, one GetItem, no model."""
    import boto3
    from aws_lambda_powertools.event_handler.api_gateway import Router
    from aws_lambda_powertools.logging import correlation_paths

    from portal.adapters.dynamodb import keys
    from portal.adapters.dynamodb.codec import from_item, key
    from portal.api.auth import principal_for_site
    from portal.api.resolver import make_resolver
    from portal.observability import logger

    router = Router()
    client = boto3.client("dynamodb")

    @router.get("/sites/<site>/baseline/<contract_id>")
    def _one_get_item(site: str, contract_id: str) -> dict[str, Any]:
        principal = principal_for_site(router.current_event, site)
        response = client.get_item(
            TableName=table, Key=key(keys.contract_pk(principal.site_id, contract_id), keys.CONTRACT_SK)
        )
        item = from_item(response.get("Item", {}))
        return {"contract_id": item.get("contract_id"), "booked": item.get("booked")}

    app = make_resolver(router)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    return handler


@dataclass(frozen=True)
class Measurement:
    ops: Counter[str]  # the AWS operations of a typical request (the most common pattern)
    p50_ms: float
    p95_ms: float
    own_p50_ms: float  # handler time outside AWS calls: resolver, validation, rules, models
    odd_requests: int  # requests with another pattern (site-map cache refresh after its TTL)


def _measure(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    event: Callable[[], dict[str, Any]],
    meter: AwsMeter,
    requests: int,
) -> Measurement:
    from local.events import LambdaContextStub

    context = LambdaContextStub("contracts")
    for _ in range(WARMUP):
        assert handler(event(), context)["statusCode"] == 200
    patterns: Counter[tuple[tuple[str, int], ...]] = Counter()
    total: list[float] = []
    own: list[float] = []
    for _ in range(requests):
        request = event()
        calls_before, aws_before = Counter(meter.calls), meter.seconds
        started = time.perf_counter()
        response = handler(request, context)
        elapsed = time.perf_counter() - started
        assert response["statusCode"] == 200, response["body"]
        total.append(elapsed * 1000)
        own.append((elapsed - (meter.seconds - aws_before)) * 1000)
        patterns[tuple(sorted((meter.calls - calls_before).items()))] += 1
    typical, count = patterns.most_common(1)[0]
    return Measurement(
        Counter(dict(typical)), percentile(total, 0.5), percentile(total, 0.95), percentile(own, 0.5),
        requests - count,
    )  # fmt: skip


def run(requests: int = REQUESTS) -> list[dict[str, Any]]:
    """One row per (user size, route), baseline included, with AWS operations and latency figures."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch, moto_tables(PREFIX) as (meter, _):
        aspire = Path(scratch) / "aspire.db"
        users = _build_aspire(aspire)
        with environment({"ASPIRE_SQLITE_PATH": str(aspire)}):
            rows.extend(_sync_and_measure(users, meter, requests))
    return rows


def _sync_and_measure(users: dict[int, BenchUser], meter: AwsMeter, requests: int) -> list[dict[str, Any]]:
    from local.events import api_event
    from portal.api.routes import resolve
    from portal.domain.principal import EndUser
    from portal.domain.settings import Site
    from portal.wiring import SyncWiring

    sync = SyncWiring.from_env()
    sync.sites.put_site(Site(site_id="summit", display_name="Summit", is_default=True))
    summary = sync.engine().run("incremental")
    assert summary["status"] == "succeeded", summary
    contracts_app = importlib.reload(importlib.import_module("contracts.app"))  # a container bound to this moto
    contracts_app.wiring.site_maps.get()  # cached per container: not part of any request below
    baseline = baseline_handler(sync.settings.table_data)

    rows: list[dict[str, Any]] = []
    for size, user in users.items():
        who = EndUser("summit", f"U-{size}", f"S-{size}", user.accounts).context()

        def event_for(path: str, query: dict[str, str] | None = None, *, who: dict[str, str] = who) -> Any:
            found = resolve("enduser", "GET", path)
            resource, params = (found[0].path, found[1]) if found else ("/sites/{site}/baseline/{contract_id}", {
                "site": "summit", "contract_id": path.rsplit("/", 1)[1]})  # fmt: skip
            return lambda: api_event("GET", path, resource=resource, path_params=params, query=query, authorizer=who)

        routes = [
            ("baseline: one GetItem", baseline, event_for(f"/sites/summit/baseline/{user.loan}"), "1"),
            ("GET /contracts", contracts_app.handler, event_for("/sites/summit/contracts"),
             f"<= {len(user.accounts) + 1}"),
            ("GET /contracts/{id}", contracts_app.handler, event_for(f"/sites/summit/contracts/{user.loan}"), "2"),
            ("GET /contracts/{id}/invoices", contracts_app.handler,
             event_for(f"/sites/summit/contracts/{user.loan}/invoices", {"status": "all"}), "2"),
            ("GET /contracts/{id}/amortization", contracts_app.handler,
             event_for(f"/sites/summit/contracts/{user.loan}/amortization"), "2"),
            ("GET /lines-of-credit", contracts_app.handler, event_for("/sites/summit/lines-of-credit"),
             f"<= {len(user.accounts) + 1}"),
        ]  # fmt: skip
        if size > 25:  # a page bigger than the default: still one BatchGetItem up to 97 contracts
            big_page = event_for("/sites/summit/contracts", {"limit": "100"})
            routes.insert(2, ("GET /contracts?limit=100", contracts_app.handler, big_page, routes[1][3]))
        base = None
        for name, handler, event, target in routes:
            measured = _measure(handler, event, meter, requests)
            base = base or measured
            rows.append(
                {
                    "visible_contracts": size,
                    "linked_accounts": len(user.accounts),
                    "route": name,
                    "aws_ops": " + ".join(f"{op.split('.', 1)[1]} x{n}" for op, n in sorted(measured.ops.items())),
                    "aws_calls": sum(measured.ops.values()),
                    "target_calls": target,
                    "scans": measured.ops["dynamodb.Scan"],
                    "odd_requests": measured.odd_requests,
                    "requests": requests,
                    "p50_ms": round(measured.p50_ms, 2),
                    "p95_ms": round(measured.p95_ms, 2),
                    "own_p50_ms": round(measured.own_p50_ms, 2),
                    "p50_vs_baseline": round(measured.p50_ms / base.p50_ms, 2),
                    "own_p50_vs_baseline": round(measured.own_p50_ms / base.own_p50_ms, 2),
                }
            )
    return rows


def machine() -> str:
    return (
        f"{dt.date.today().isoformat()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, moto in-process"
    )


def table(rows: list[dict[str, Any]]) -> str:
    columns = ("visible_contracts", "linked_accounts", "route", "aws_ops", "aws_calls", "target_calls",
               "p50_ms", "p95_ms", "p50_vs_baseline", "own_p50_ms", "own_p50_vs_baseline")  # fmt: skip
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    requests = rows[0]["requests"] if rows else 0
    lines = [f"Contracts API, {requests} requests per route after {WARMUP} warm-up requests ({machine()})"]
    lines.append("  ".join(c.ljust(widths[c]) for c in columns))
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(str(row[c]).ljust(widths[c]) for c in columns) for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
