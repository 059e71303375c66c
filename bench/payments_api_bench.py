"""Payments API benchmark (issue #9): AWS operations per `POST /payments` and per `GET /payments`, and the in-process
p50/p95 of `POST /payments` against a same-run GetItem baseline.

Runs on the local services `make run` uses: DynamoDB Local, in memory as the sync bench runs it (on its disk
store a write takes 25-30 ms, which measures SQLite, not the portal), and the moto server for KMS, SQS, SES and
Secrets Manager. Requests go through the real handler (`functions/payments/app.handler`) with the real wiring,
as API Gateway calls it after the authorizer (the principal's context; the authorizer is measured apart). The
user exists (the accepted-payment email is looked up and sent for real), has one linked account with `CONTRACTS`
active contracts with an open invoice each and one verified bank account added through `POST /bank-accounts`.

AWS operations are counted with a botocore event hook on every client (`bench.common.AwsMeter`); a request's
operations are the most common pattern over the measured requests (the site-map cache refresh and the
fingerprint secret's first read are per container, not per request; `odd` counts the requests that differed).
The baseline is a handler with the same resolver and principal check doing one GetItem on the same DynamoDB
Local (`bench.contracts_bench.baseline_handler`).

    .venv/bin/python -m bench.payments_api_bench [requests]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import AwsMeter, markdown_table, percentile

REQUESTS = 100
WARMUP = 5
SITE = "summit"
ACCOUNT = "A-BENCH-1"
CONTRACTS = 5
LIST_PAGE = 25


def _contracts(table: str) -> list[str]:
    """Booked contracts of ACCOUNT with one open invoice each, written as the sync writes them."""
    import boto3

    from portal.adapters.dynamodb.codec import to_item
    from portal.services.sync_items import ContractState, contract_items

    client = boto3.client("dynamodb")
    ids = [f"C-BENCH-{n}" for n in range(1, CONTRACTS + 1)]
    for n, contract_id in enumerate(ids, start=1):
        row = {"ContractId": contract_id, "PrivateLabel": None, "IsBooked": True, "IsTerminated": False,
               "BillToPostalCode": "60601", "BillToCountry": "US", "BillToEmail": ""}  # fmt: skip
        invoice = {"InvoiceId": f"I-BENCH-{n}", "InvoiceNumber": f"N-{n}", "InvoiceDate": "2026-11-01",
                   "DueDate": "2026-12-01", "Amount": Decimal("50000.00"), "Balance": Decimal("50000.00"),
                   "Status": "Open"}  # fmt: skip
        state = ContractState(contract=row, roles=[{"AccountId": ACCOUNT, "RoleType": "Customer"}], invoices=(invoice,))
        for desired in contract_items(SITE, state, {"incremental"}):
            client.put_item(TableName=table, Item=to_item(desired.item()))
    return ids


def _user(wiring: Any) -> str:
    from portal.services.identity.models import User, UserStatus

    user_id = "u-bench-payments"
    user = User(
        SITE, user_id, "bench.payer@example.com", "Pat", "Payer", UserStatus.ACTIVE, datetime.now(UTC).isoformat()
    )
    wiring.identity_store.create_user(user, (ACCOUNT,), link_source="bench")
    return user_id


def _measure(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    event: Callable[[int], dict[str, Any]],
    meter: AwsMeter,
    requests: int,
    status: int,
) -> dict[str, Any]:
    from local.events import LambdaContextStub

    context = LambdaContextStub("payments")
    for n in range(WARMUP):
        answer = handler(event(-1 - n), context)
        assert answer["statusCode"] == status, answer["body"]
    patterns: Counter[tuple[tuple[str, int], ...]] = Counter()
    times, own = [], []
    for n in range(requests):
        request = event(n)
        before, aws_before = Counter(meter.calls), meter.seconds
        started = time.perf_counter()
        answer = handler(request, context)
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        own.append((elapsed - (meter.seconds - aws_before)) * 1000)
        assert answer["statusCode"] == status, answer["body"]
        patterns[tuple(sorted((meter.calls - before).items()))] += 1
    typical, count = patterns.most_common(1)[0]
    return {
        "ops": dict(typical),
        "calls": sum(n for _, n in typical),
        "odd": requests - count,
        "p50_ms": percentile(times, 0.5),
        "p95_ms": percentile(times, 0.95),
        "own_p50_ms": percentile(own, 0.5),  # outside AWS calls: resolver, validation, rules, models, idempotency
    }


def run(requests: int = REQUESTS) -> dict[str, Any]:
    from local import bootstrap
    from local.runtime import Paths, Ports
    from local.services import free_port, local_services

    saved = dict(os.environ)
    state = Path(tempfile.mkdtemp(prefix="payments-api-bench-"))
    try:
        paths = Paths(state=state)
        ports = Ports(enduser=free_port(), admin=free_port(), dynamodb=free_port(), moto=free_port(), web=free_port())
        with local_services(paths, ports, serving=True, in_memory=True):
            os.environ.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
            bootstrap.ensure_portal_config()
            with contextlib.redirect_stdout(io.StringIO()):  # the local SES prints each email it "sends"
                return _run(requests)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(state, ignore_errors=True)


def _run(requests: int) -> dict[str, Any]:
    import boto3

    from bench.contracts_bench import baseline_handler
    from local.events import LambdaContextStub, api_event
    from local.gateway import function_module
    from portal.api.routes import resolve
    from portal.domain.bank import aba_check_digit
    from portal.domain.principal import EndUser

    boto3.setup_default_session()
    meter = AwsMeter()
    assert boto3.DEFAULT_SESSION is not None
    meter.attach(boto3.DEFAULT_SESSION)  # before any client of the function exists
    module: Any = function_module("payments")
    module.wiring = type(module.wiring).from_env()  # this runtime's clients, as a cold start here would build them
    wiring = module.wiring
    contract_ids = _contracts(wiring.settings.table_data)
    principal = EndUser(SITE, _user(wiring), "session-bench", (ACCOUNT,))

    def event(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
        found = resolve("enduser", method, path)
        resource, params = (found[0].path, found[1]) if found else ("/sites/{site}/baseline/{contract_id}", {
            "site": SITE, "contract_id": path.rsplit("/", 1)[1]})  # fmt: skip
        return api_event(method, path, resource=resource, path_params=params, headers=headers or {}, body=body,
                         authorizer=principal.context())  # fmt: skip

    routing = "02100002" + aba_check_digit("02100002")  # passes the ABA checksum
    bank = {"holder_name": "Pat Payer", "routing_number": routing, "account_number": "987654321012",
            "account_type": "checking", "owner_type": "business"}  # fmt: skip
    added = module.handler(event("POST", f"/sites/{SITE}/bank-accounts", bank), LambdaContextStub("payments"))
    assert added["statusCode"] == 201, added["body"]
    bank_account_id = json.loads(added["body"])["bank_account_id"]
    today = datetime.now(UTC).date().isoformat()
    run_id = os.urandom(4).hex()

    def pay(n: int) -> dict[str, Any]:
        body = {"scope": "contract", "contract_id": contract_ids[n % len(contract_ids)],
                "bank_account_id": bank_account_id, "amount": "1.00", "payment_date": today}  # fmt: skip
        return event("POST", f"/sites/{SITE}/payments", body, {"Idempotency-Key": f"bench-{run_id}-{n}"})

    baseline = baseline_handler(wiring.settings.table_data)
    rows = {
        "baseline": _measure(baseline, lambda n: event("GET", f"/sites/{SITE}/baseline/{contract_ids[0]}"), meter,
                             requests, 200),
        "post": _measure(module.handler, pay, meter, requests, 201),
        "list": _measure(module.handler, lambda n: event("GET", f"/sites/{SITE}/payments"), meter, requests, 200),
    }  # fmt: skip
    # The least each request needs (docs/performance.md reasons it out): POST (scope=contract) = the site switch
    # (1) + the idempotency record put and completed (2) + guard and bank account (1) + the user's links (1 per
    # linked account) and the contract (1) + the payment transaction (1) + the SQS send (1) + the accepted-payment
    # email: the user (1), SES (1), its mail record (1). GET = the site switch (1) + one page of payments (1).
    rows["baseline"]["minimum"] = 1
    rows["post"]["minimum"] = 10 + len(principal.account_ids)
    rows["list"]["minimum"] = 2
    rows["post"]["ratio_p50"] = rows["post"]["p50_ms"] / rows["baseline"]["p50_ms"]
    rows["post"]["ratio_p95"] = rows["post"]["p95_ms"] / rows["baseline"]["p95_ms"]
    return {**rows, "requests": requests}


def _ops(ops: dict[str, int]) -> str:
    return " + ".join(f"{name} x{n}" for name, n in sorted(ops.items()))


def table(result: dict[str, Any]) -> str:
    rows = []
    for name, label in (("baseline", "baseline: one GetItem"), ("post", "POST /payments"), ("list", "GET /payments")):
        r = result[name]
        rows.append({**r, "request": label, "ops": _ops(r["ops"]), "p50_ms": f"{r['p50_ms']:.1f}",
                     "p95_ms": f"{r['p95_ms']:.1f}", "own_p50_ms": f"{r['own_p50_ms']:.1f}",
                     "ratio_p50": f"{r['ratio_p50']:.2f}" if "ratio_p50" in r else "",
                     "ratio_p95": f"{r['ratio_p95']:.2f}" if "ratio_p95" in r else ""})  # fmt: skip
    columns = [("request", "request"), ("ops", "AWS operations"), ("calls", "calls"), ("minimum", "minimum"),
               ("odd", "odd requests"), ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("own_p50_ms", "own p50 ms"),
               ("ratio_p50", "p50 / baseline"),
               ("ratio_p95", "p95 / baseline")]  # fmt: skip
    heading = f"{result['requests']} requests each after {WARMUP} warm-up requests, in-process handler\n\n"
    return heading + markdown_table(columns, rows)


if __name__ == "__main__":
    print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else REQUESTS)))
