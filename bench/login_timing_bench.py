"""Login, enrollment and forgot-password: known vs unknown email, same answer and about the same time (§9).

Through the real login handler (`functions/login/app.handler`, API Gateway events from `local.events`), with
the production argon2 parameters and the production response floor (`Wiring.from_env()` builds both, as in
AWS), against DynamoDB Local (in memory) and a moto server on loopback for SES and KMS. The world is the
identity tests' (`tests/integration/identity/kit.py`): the sites, the KMS key, the SES sender, users and
synced customer records; as in AWS, a customer sync an enrollment asks for is queued (an SQS queue on moto).

Each try uses its own users and source address, so the sign-in throttle never answers instead of the route;
known and unknown alternate, so machine noise hits both alike. What "known" means per route:

* login: a wrong password for an existing user, vs for an email no user has;
* forgot-password: the email of an existing user, vs one no user has;
* enrollment: matching contract details with an address of the customer that already has a user
  ("already registered" mail), vs the customer's other address, which has none ("registration" mail).

    .venv/bin/python -m bench.login_timing_bench
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import markdown_table, percentile, run_child

TRIES = 30
WARMUP = 2
SITE = "summit"
WRONG_PASSWORD = "not-the-password-1"


def _child(tries: int) -> list[dict[str, Any]]:
    """Runs with the handler environment set (DynamoDB Local and the moto server already up)."""
    import boto3

    from local.dynamodb_local import ensure_tables
    from local.events import LambdaContextStub, api_event
    from local.runtime import TABLE_PREFIX
    from portal.config import IdentitySettings
    from portal.services.identity.passwords import PRODUCTION
    from tests.integration.identity.kit import PASSWORD, build_world, prepare_aws

    ensure_tables(boto3.client("dynamodb"), TABLE_PREFIX)
    # As in AWS, an enrollment queues its customer's sync for sync_worker (no queue: it would sync in-process).
    queue = boto3.client("sqs").create_queue(QueueName="bench-sync-chunks")["QueueUrl"]
    os.environ[IdentitySettings.env_name("sync_chunk_queue_url")] = queue
    outbox = Path(os.environ["PORTAL_OUTBOX_DIR"])
    prepare_aws(outbox)
    # The world only creates users and customer records (production hashes, so their stored hashes are real).
    world = build_world(outbox, hashes=PRODUCTION)
    from login.app import handler

    def post(route: str, body: dict[str, str], source_ip: str) -> tuple[float, int, str]:
        path = f"/sites/{SITE}{route}"
        event = api_event("POST", path, resource=f"/sites/{{site}}{route}", path_params={"site": SITE}, body=body,
                          source_ip=source_ip)  # fmt: skip
        started = time.perf_counter()
        response = handler(event, LambdaContextStub("login"))
        return time.perf_counter() - started, response["statusCode"], response.get("body") or ""

    total = tries + WARMUP
    for n in range(total):
        world.user(SITE, f"known{n}@bench.example", password=PASSWORD)
        world.put_account(SITE, f"B-{n}", f"Bench {n}", email_=f"ap{n}@bench.example; ar{n}@bench.example")
        world.put_contract(SITE, f"CB-{n}", f"B-{n}", postal="60601")
        world.user(SITE, f"ap{n}@bench.example", password=PASSWORD, accounts=(f"B-{n}",))

    def enrollment(email: str, n: int) -> dict[str, str]:
        return {"first_name": "Ann", "last_name": "Smith", "postal_code": "60601", "contract_id": f"CB-{n}",
                "email": email}  # fmt: skip

    cases = [
        ("login (wrong password)", "/auth/login",
         lambda n: {"email": f"known{n}@bench.example", "password": WRONG_PASSWORD},
         lambda n: {"email": f"unknown{n}@bench.example", "password": WRONG_PASSWORD}),
        ("forgot-password", "/auth/password/forgot",
         lambda n: {"email": f"known{n}@bench.example"}, lambda n: {"email": f"unknown{n}@bench.example"}),
        ("enrollment", "/enrollment",
         lambda n: enrollment(f"ap{n}@bench.example", n), lambda n: enrollment(f"ar{n}@bench.example", n)),
    ]  # fmt: skip
    results = []
    for index, (name, route, known_body, unknown_body) in enumerate(cases):
        known: list[float] = []
        unknown: list[float] = []
        answers: set[tuple[str, int, str]] = set()
        for n in range(total):
            # Alternate which goes first, so neither always follows the other's work.
            order = [("known", known_body), ("unknown", unknown_body)]
            for which, body in order if n % 2 == 0 else order[::-1]:
                seconds, status, text = post(route, body(n), f"10.{index}.{n}.{1 if which == 'known' else 2}")
                answers.add((which, status, text))
                if n >= WARMUP:
                    (known if which == "known" else unknown).append(seconds)
        statuses = {which: {(s, t) for w, s, t in answers if w == which} for which in ("known", "unknown")}
        results.append(
            {
                "route": name,
                "tries": tries,
                "known_p50_ms": round(statistics.median(known) * 1000, 1),
                "known_p90_ms": round(_p90(known) * 1000, 1),
                "unknown_p50_ms": round(statistics.median(unknown) * 1000, 1),
                "unknown_p90_ms": round(_p90(unknown) * 1000, 1),
                "ratio": round(statistics.median(known) / statistics.median(unknown), 2),
                "same_answer": statuses["known"] == statuses["unknown"] and len(statuses["known"]) == 1,
                "status": ",".join(sorted({str(s) for _, s, _ in answers})),
            }
        )
    return results


def _p90(values: list[float]) -> float:
    return percentile(values, 0.9)


def run(tries: int = TRIES) -> list[dict[str, Any]]:
    from bench.sync_bench import _DynamoDBLocal
    from local.runtime import Paths, handler_environment, port_open
    from local.services import free_port

    database = _DynamoDBLocal(free_port(), "1g")
    moto_port = free_port()
    moto = subprocess.Popen(  # noqa: S603 - our own venv's moto server on loopback
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    moto_endpoint = f"http://127.0.0.1:{moto_port}"
    try:
        database.wait_ready()
        deadline = time.monotonic() + 30
        while not port_open(moto_endpoint) and time.monotonic() < deadline:
            time.sleep(0.2)
        with tempfile.TemporaryDirectory(prefix="login-timing-") as state:
            env = {**os.environ, **handler_environment(Paths(Path(state)), database.endpoint, moto_endpoint),
                   "POWERTOOLS_LOG_LEVEL": "ERROR"}  # fmt: skip
            results: list[dict[str, Any]] = run_child(
                "bench.login_timing_bench", [str(tries)], env, "login timing bench"
            )
        return results
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        database.stop()


def table(results: list[dict[str, Any]]) -> str:
    columns = [
        ("route", "route"), ("tries", "tries each"), ("known_p50_ms", "known p50 ms"),
        ("known_p90_ms", "known p90 ms"), ("unknown_p50_ms", "unknown p50 ms"), ("unknown_p90_ms", "unknown p90 ms"),
        ("ratio", "ratio known/unknown (p50)"), ("status", "status"), ("same_answer", "same status and body"),
    ]  # fmt: skip
    return markdown_table(columns, results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(_child(int(sys.argv[2]))))
    else:
        print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else TRIES)))
