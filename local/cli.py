"""`portal-local`: the laptop runtime. `make run` is `portal-local run`.

Every subcommand prints JSON (one line) or a short human summary and works while `run` is serving,
against the same data (see local/runtime.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any, NoReturn

# Handlers log JSON at INFO in AWS; on a laptop the gateway's one-line access log is enough unless asked.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from local.runtime import LocalError, Paths, Ports, RuntimeState

PATHS = Paths()


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, default=str, separators=(",", ":")))


def _step(n: int, total: int, text: str) -> None:
    print(f"[{n}/{total}] {text}", flush=True)


# --- commands -----------------------------------------------------------------------------------------------
def cmd_seed(args: argparse.Namespace) -> int:
    from local import bootstrap

    with _services():
        summary = bootstrap.seed_demo(PATHS, scale=args.scale, force=args.force, progress=print)
    _print_json(summary)
    return 0


def _require_demo_db() -> None:
    # Checked first: opening a missing SQLite file would create an empty one and the sync would fail later.
    if not PATHS.aspire_db.exists():
        raise LocalError(f"no demo ASPIRE database at {PATHS.aspire_db}; run `portal-local seed` (or `make run`) first")


def cmd_sync(args: argparse.Namespace) -> int:
    from local import bootstrap

    _require_demo_db()
    with _services():
        summary = bootstrap.run_sync(args.job)
    _print_json(summary)
    return 0 if not summary.get("errors") else 1


def cmd_aspire(args: argparse.Namespace) -> int:
    from local.aspire import simulator

    _require_demo_db()
    path = PATHS.aspire_db
    try:
        if args.action == "book-contract":
            result = simulator.book_contract(path, args.account, label=args.label)
        elif args.action == "terminate-contract":
            result = simulator.terminate_contract(path, args.contract_id)
        elif args.action == "set-label":
            result = simulator.set_label(path, args.contract_id, args.label)
        elif args.action == "eft-run":
            result = simulator.eft_run(path, datetime.now(UTC))
        elif args.action == "outage":
            from portal.adapters.aspire.outage import set_outage

            on = set_outage(PATHS.aspire_outage, args.state == "on")
            result = {"action": "outage", "aspire_reachable": not on, "flag": str(PATHS.aspire_outage)}
        else:
            result = simulator.restore_snapshot(path)
    except simulator.SimulatorError as error:
        _print_json({"action": args.action.replace("-", "_"), "error": str(error)})
        return 1
    _print_json(result)
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from local.outbox import list_messages

    messages = list_messages(PATHS.outbox)[-args.last :]
    for message in messages:
        _print_json(message)
    if not messages:
        print(f"no emails yet in {PATHS.outbox}", file=sys.stderr)
    return 0


def cmd_email(args: argparse.Namespace) -> int:
    """`email bounce ADDRESS`: what SES would report for a bounce (there is no SES event locally, where the
    outbox counts as delivered), recorded on the newest email to the address, so diagnostics 3 can be tried."""
    from portal.wiring import Wiring

    with _services():
        wiring = Wiring.from_env()
        sites = [args.site] if args.site else [site.site_id for site in wiring.sites.list_sites()]
        at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        found = wiring.mail_log.record_bounce_latest(sites, args.address.strip().casefold(), at, "Permanent/General")
    if found is None:
        _print_json({"action": "bounce", "error": "no email was sent to this address"})
        return 1
    _print_json({"action": "bounce", "site": found[0], "sent_at": found[1], "delivery": "bounced"})
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Instance settings until the admin API edits them (payments, PRODUCT.md §5: the bank verification mode)."""
    from portal.wiring import Wiring

    with _services():
        repo = Wiring.from_env().sites
        settings = repo.get_settings()
        if args.bank_verification and args.bank_verification != settings.bank_verification_mode:
            since = datetime.now(UTC).isoformat() if args.bank_verification == "existing_only" else None
            settings = settings.model_copy(
                update={"bank_verification_mode": args.bank_verification, "bank_verification_since": since}
            )
            repo.put_settings(settings)
        _print_json({"bank_verification_mode": settings.bank_verification_mode,
                     "bank_verification_since": settings.bank_verification_since,
                     "payment_limit": str(settings.payment_limit),
                     "payment_max_days_ahead": settings.payment_max_days_ahead})  # fmt: skip
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    from local import aws_local

    with _services() as services:
        print(aws_local.admin_token(services.moto_endpoint, services.admin_pool, args.email))
    return 0


def cmd_serve(args: argparse.Namespace, *, prepare: bool = False) -> int:
    from local import bootstrap
    from local.aws_local import CognitoJwtVerifier
    from local.gateway import Gateway, GatewayServer
    from local.payments_poller import PaymentsPoller
    from local.runtime import payments_queue_url
    from local.scheduler import Scheduler
    from local.services import local_services
    from local.web_server import WebServer

    ports = Ports()
    total = 5 if prepare else 3
    print("Customer Portal, local runtime", flush=True)
    _step(1, total, "starting DynamoDB Local (data kept in .local/dynamodb) and the AWS services (moto)")
    with local_services(PATHS, ports, serving=True) as services:
        bootstrap.ensure_portal_config()
        step = 2
        if prepare:
            _step(step, total, "demo ASPIRE database")
            bootstrap.seed_demo(PATHS, scale=None, force=False, progress=lambda m: print(f"      {m}", flush=True))
            step += 1
            # Incremental: a full sync the first time (no watermark yet), only what changed on a restart.
            _step(step, total, "syncing ASPIRE into DynamoDB")
            summary = bootstrap.run_sync("incremental")
            print(f"      {json.dumps(summary, default=str)}", flush=True)
            step += 1
        _step(step, total, "portal users for the demo personas")
        for line in bootstrap.ensure_demo_users(PATHS):
            print(f"      {line}", flush=True)
        step += 1
        log_lock = threading.Lock()

        def log(line: str) -> None:
            with log_lock:
                print(f"{datetime.now().strftime('%H:%M:%S')} {line}", flush=True)

        verifier = CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)
        enduser = GatewayServer(Gateway("enduser"), ports.enduser, log).start()
        admin = GatewayServer(Gateway("admin", verifier), ports.admin, log).start()
        web = WebServer(ports.web, enduser.url, admin.url, log, admin_cognito=_admin_cognito(services)).start()
        scheduler = Scheduler(lambda s: log(bootstrap.fire_schedule(s))).start()
        # The payments writer's event source mapping: a stored payment is Scheduled within seconds.
        poller = PaymentsPoller(services.moto_endpoint, payments_queue_url(services.moto_endpoint), log).start()
        state = RuntimeState(
            pid=os.getpid(),
            dynamodb_endpoint=services.dynamodb_endpoint,
            moto_endpoint=services.moto_endpoint,
            enduser_url=enduser.url,
            admin_url=admin.url,
            web_url=web.url,
            admin_pool_id=services.admin_pool.pool_id,
            admin_client_id=services.admin_pool.client_id,
        )
        state.write(PATHS)
        _step(step, total, "serving")
        print(bootstrap.banner(PATHS, enduser.url, admin.url, scheduler, web.url), flush=True)
        stop = threading.Event()
        # Ctrl-C and `kill` both stop cleanly (set explicitly: a shell may start background jobs with SIGINT
        # ignored, and then Python would never raise KeyboardInterrupt).
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while not stop.is_set():
            stop.wait(0.5)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the clean shutdown
        print("\nstopping...", flush=True)
        scheduler.stop()
        poller.stop()
        enduser.stop()
        admin.stop()
        web.stop()
        PATHS.runtime_file.unlink(missing_ok=True)
    print("stopped; data kept in .local/ (make reset starts over)", flush=True)
    return 0


def _admin_cognito(services: Any) -> dict[str, str]:
    """config.json's `admin_cognito` (admin console, issue #11 part 2b): the console signs in at the moto server."""
    return {"endpoint": f"{services.moto_endpoint}/", "client_id": services.admin_pool.client_id}


def _services() -> Any:
    from local.services import local_services

    return local_services(PATHS)


# --- argument parsing ---------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line like every other portal-local error (argparse would print the whole usage first).
        self.exit(2, f"portal-local: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="portal-local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="seed if needed, sync, and serve both APIs (what `make run` does)")
    sub.add_parser("serve", help="serve both APIs and the schedules over the existing data")
    seed = sub.add_parser("seed", help="create the demo ASPIRE database and the demo personas")
    seed.add_argument("--scale", type=int, default=None, help="number of contracts for a large dataset")
    seed.add_argument("--force", action="store_true", help="replace an existing demo database")
    sync = sub.add_parser("sync", help="run a sync job now and print its summary")
    sync.add_argument("job", choices=["incremental", "daily", "full"])
    aspire = sub.add_parser("aspire", help="simulate activity in ASPIRE")
    actions = aspire.add_subparsers(dest="action", required=True)
    book = actions.add_parser("book-contract")
    book.add_argument("--account", required=True)
    book.add_argument("--label", default=None)
    actions.add_parser("terminate-contract").add_argument("contract_id")
    set_label = actions.add_parser("set-label")
    set_label.add_argument("contract_id")
    set_label.add_argument("label")
    actions.add_parser("eft-run")
    outage = actions.add_parser("outage", help="make ASPIRE unreachable for the portal (on) or reachable again (off)")
    outage.add_argument("state", choices=["on", "off"])
    actions.add_parser("restore-snapshot")
    outbox = sub.add_parser("outbox", help="list the emails the portal sent (.local/outbox)")
    outbox.add_argument("--last", type=int, default=10)
    mail = sub.add_parser("email", help="simulate SES delivery events locally")
    mail_actions = mail.add_subparsers(dest="action", required=True)
    bounce = mail_actions.add_parser("bounce", help="record a bounce on the newest email sent to ADDRESS")
    bounce.add_argument("address")
    bounce.add_argument("--site", default=None, help="only this site's emails (default: every site)")
    settings = sub.add_parser("settings", help="show or change the instance settings (bank verification mode)")
    settings.add_argument(
        "--bank-verification",
        choices=["allow_any", "existing_only"],
        default=None,
        help="allow_any: any bank account can pay; existing_only: only accounts on file in ASPIRE",
    )
    token = sub.add_parser("admin-token", help="print an ID token for the local admin API")
    token.add_argument("--email", default="admin@example.com")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "run": lambda a: cmd_serve(a, prepare=True),
        "serve": cmd_serve,
        "seed": cmd_seed,
        "sync": cmd_sync,
        "aspire": cmd_aspire,
        "outbox": cmd_outbox,
        "admin-token": cmd_admin_token,
        "email": cmd_email,
        "settings": cmd_settings,
    }
    started = time.perf_counter()
    try:
        code = int(handlers[args.command](args))
    except Exception as error:
        return _fail(error)
    if args.command not in {"run", "serve", "outbox", "admin-token"}:
        print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return code


def _fail(error: Exception) -> int:
    """Every failure is ONE line on stderr, `portal-local: <what went wrong and what to do>`, and a non-zero
    exit: 2 for what the user can fix (usage, configuration, ports, missing setup), 1 for anything else.
    PORTAL_DEBUG=1 adds the traceback."""
    if os.environ.get("PORTAL_DEBUG") == "1":
        traceback.print_exception(error, file=sys.stderr)
    from portal.domain.errors import DomainError

    if isinstance(error, LocalError):
        print(f"portal-local: {error}", file=sys.stderr)
        return error.exit_code
    if isinstance(error, DomainError):  # a rule said no (e.g. a refused sync): its message says why
        print(f"portal-local: {error.args[0] if error.args else error}", file=sys.stderr)
        return 1
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    print(
        f"portal-local: unexpected {type(error).__name__}: {first_line} (PORTAL_DEBUG=1 shows the traceback)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
