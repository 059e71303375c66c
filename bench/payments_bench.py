"""Payments writer benchmark (issue #9): throughput into the demo ASPIRE, and the time from a stored Pending
payment to its AlternateEft row through the local runtime's poller.

Runs on the local services `make run` uses: DynamoDB Local, the moto server (KMS, SQS) and the seeded demo
ASPIRE (SQLite, cached under .local/bench/). Payments are stored the way the payments API stores them
(tests/integration/payments_writer/writer_kit.py, until payapi's API lands and the bench can POST):

* writer throughput: N stored payments handled one after another by the writer in-process -> payments/s
  (each: GetItem payment, GetItem bank account, KMS Decrypt, the ASPIRE insert, PutItem lookup, one
  TransactWriteItems);
* store -> AlternateEft row: 50 payments stored and announced one at a time while the poller runs; the time
  until the row is in ASPIRE (sampled every 5 ms), p50/p95. Target p95 < 5 s (the incumbent: up to 15 minutes).

    .venv/bin/python -m bench.payments_bench [payments]
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, WORK, percentile

LATENCY_SAMPLES = 50


def _kit() -> Any:
    sys.path.insert(0, str(ROOT / "tests" / "integration" / "payments_writer"))
    import writer_kit as payments_kit

    return payments_kit


def _customer_contracts(db: Path, count: int) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.ContractId, r.AccountId FROM ContractRole AS r WHERE r.RoleType = 'Customer' "
            "ORDER BY r.ContractId LIMIT ?",
            (count,),
        ).fetchall()
    return [(str(c), str(a)) for c, a in rows]


def run(payments: int = 200) -> dict[str, Any]:
    from local import bootstrap
    from local.aspire.seed import seed
    from local.payments_poller import PaymentsPoller
    from local.runtime import LOCAL_KMS_KEY_ALIAS, Paths, Ports, payments_queue_url
    from local.services import free_port, local_services
    from portal.services.payment_messages import PaymentMessage

    kit = _kit()
    WORK.mkdir(parents=True, exist_ok=True)
    cached = WORK / "aspire-demo.db"
    if not cached.exists():
        seed(cached)
    saved = dict(os.environ)
    state = Path(tempfile.mkdtemp(prefix="payments-bench-"))
    try:
        paths = Paths(state=state)
        shutil.copyfile(cached, paths.aspire_db)
        ports = Ports(enduser=free_port(), admin=free_port(), dynamodb=free_port(), moto=free_port(), web=free_port())
        with local_services(paths, ports, serving=True) as services:
            bootstrap.ensure_portal_config()
            import boto3

            from local.gateway import function_module
            from portal.adapters.aspire.sqlite import SqliteAspireSource

            module: Any = function_module("payments_writer")
            module.wiring = type(module.wiring).from_env()  # this runtime's adapters, as a cold start here would
            contracts = _customer_contracts(paths.aspire_db, payments)
            store = kit.Payments(LOCAL_KMS_KEY_ALIAS, user_id="bench")

            # 1. writer throughput, in-process, one payment after another
            stored = [store.store([(c, a, "10.00")]) for c, a in (contracts * payments)[:payments]]
            writer = module.wiring.payment_writer
            started = time.perf_counter()
            for payment in stored:
                writer.handle(payment["site_id"], payment["user_id"], payment["payment_id"])
            elapsed = time.perf_counter() - started

            # 2. store -> AlternateEft row through the poller (the local event source mapping)
            source = SqliteAspireSource(paths.aspire_db)
            sqs = boto3.client("sqs")
            queue = payments_queue_url(services.moto_endpoint)
            poller = PaymentsPoller(services.moto_endpoint, queue).start()
            latencies = []
            try:
                for contract_id, account_id in (contracts * LATENCY_SAMPLES)[:LATENCY_SAMPLES]:
                    t0 = time.perf_counter()
                    payment = store.store([(contract_id, account_id, "10.00")])
                    message = PaymentMessage(
                        site_id=payment["site_id"], user_id="bench", payment_id=payment["payment_id"]
                    )
                    sqs.send_message(QueueUrl=queue, MessageBody=message.model_dump_json())
                    wanted = {"portal_payment_id": f"{payment['payment_id']}-1"}
                    while source.fetch_one("get_alternate_eft_by_portal_id", wanted) is None:
                        if time.perf_counter() - t0 > 60:
                            raise RuntimeError("a payment did not reach ASPIRE within 60 s")
                        time.sleep(0.005)
                    latencies.append(time.perf_counter() - t0)
            finally:
                poller.stop()
                source.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(state, ignore_errors=True)
    return {
        "payments": payments,
        "writer_s": elapsed,
        "payments_per_s": payments / elapsed,
        "latency_p50_s": statistics.median(latencies),
        "latency_p95_s": percentile(latencies, 0.95),
        "latency_max_s": max(latencies),
        "samples": len(latencies),
    }


def table(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            "| measure | value | target |",
            "|---|---|---|",
            f"| writer throughput into the demo ASPIRE ({result['payments']} payments, sequential) "
            f"| {result['payments_per_s']:.1f} payments/s | |",
            f"| stored Pending -> AlternateEft row, p50 ({result['samples']} payments, local poller) "
            f"| {result['latency_p50_s']:.2f} s | |",
            f"| stored Pending -> AlternateEft row, p95 | {result['latency_p95_s']:.2f} s "
            "| < 5 s (incumbent: 15 min) |",
            f"| stored Pending -> AlternateEft row, max | {result['latency_max_s']:.2f} s | |",
        ]
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(table(run(count)))
