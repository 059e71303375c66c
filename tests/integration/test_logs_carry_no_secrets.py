"""Logs never carry secrets: every route of both APIs, driven with known secret values at DEBUG level.

The routes come from `portal.api.routes.ROUTES`, so a route added later is driven too; one without a sample
request in `SAMPLES` fails the test until someone adds it. The secrets are the ones a request or its flow
carries: passwords, emailed MFA codes and link tokens (read from the outbox), session tokens, the TOTP seed,
an account number and an Idempotency-Key. Everything the loggers print is captured (Powertools writes JSON to
stdout: `capfd`; plus a handler on the `logging` root) and searched for each of them.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest

from local.events import LambdaContextStub, api_event, authorizer_event
from portal.api.routes import ROUTES, Route
from tests.integration.admin.admin_kit import ADMIN as ADMIN_CLAIMS
from tests.integration.admin.admin_kit import bind_admin, linkable_account
from tests.integration.identity.kit import World, bind_functions, call, open_world

ACCOUNT_NUMBER = "000123456789"
# The AWS SDK's and moto's own DEBUG lines dump whole wire requests (an SES body holds the email, code and
# all); they are off in Lambda unless someone turns SDK debugging on, and they are not the portal's logs.
LIBRARY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "moto", "werkzeug", "openapi_spec_validator")


@dataclass
class Session:
    """What the samples share: the world, the secrets handed out so far, and a user counter."""

    world: World
    password: str = field(default_factory=lambda: f"Pw-{secrets.token_urlsafe(12)}")
    new_password: str = field(default_factory=lambda: f"Pw-{secrets.token_urlsafe(12)}")
    idempotency_key: str = field(default_factory=lambda: f"idem-{secrets.token_hex(16)}")
    secrets: set[str] = field(default_factory=set)
    users: int = 0

    def __post_init__(self) -> None:
        self.secrets |= {self.password, self.new_password, self.idempotency_key, ACCOUNT_NUMBER}

    def keep(self, value: str) -> str:
        self.secrets.add(value)
        return value

    def new_user(self, site: str = "summit") -> str:
        self.users += 1
        email = f"user{self.users}@example.com"
        self.world.user(site, email, password=self.password, accounts=("A-1",))
        return email

    def signed_in(self, site: str = "summit") -> tuple[str, str]:
        """(email, access token) of a fresh user on a site without MFA."""
        email = self.new_user(site)
        status, body, _ = request(self, "POST", f"/sites/{site}/auth/login", body={"email": email,
                                  "password": self.password})  # fmt: skip
        assert status == 200, body
        return email, self.keep(body["access_token"])

    def mfa_challenge(self) -> tuple[str, str]:
        """(email, challenge id) of a fresh user who signed in on the MFA site."""
        email = self.new_user("harvest")
        status, body, _ = request(self, "POST", "/sites/harvest/auth/login", body={"email": email,
                                  "password": self.password})  # fmt: skip
        assert status == 200 and body["mfa_required"], body
        return email, body["challenge_id"]

    def mailed_code(self, email: str) -> str:
        return self.keep(self.world.outbox.last(email).code)

    def mailed_token(self, email: str) -> str:
        # Link paths may move (/reset-password?token=, /verify-email?token=...): only the query is relied on.
        match = re.search(r"[?&]token=([^\s&\"'<>]+)", self.world.outbox.last(email).text)
        assert match, self.world.outbox.last(email).text
        return self.keep(match.group(1))


def request(
    session: Session,
    method: str,
    path: str,
    *,
    api: str = "enduser",
    body: Any = None,
    token: str | None = None,
) -> tuple[int, Any, dict[str, Any]]:
    """One request as API Gateway delivers it, through the authorizer first when a token is sent."""
    route, params = _resolve(api, method, path)
    headers = {"Idempotency-Key": session.idempotency_key, "User-Agent": "log-secrets-test"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # The account number rides in the query of every request: nothing reads it, so only a log could repeat it.
    event = api_event(method, path, resource=route.path, path_params=params or None, headers=headers, body=body,
                      query={"account_number": ACCOUNT_NUMBER}, api_id=api)  # fmt: skip
    if route.auth == "admin":  # what API Gateway's Cognito authorizer passes (tested through the local gateway)
        event["requestContext"]["authorizer"] = {"claims": ADMIN_CLAIMS}
    elif route.auth != "none":
        from authorizer.app import handler as authorize

        decision = authorize(authorizer_event(event), LambdaContextStub("authorizer"))
        event["requestContext"]["authorizer"] = decision["context"]
    return call(route.function, event)


def _resolve(api: str, method: str, path: str) -> tuple[Route, dict[str, str]]:
    from portal.api.routes import resolve

    found = resolve(api, method, path)  # type: ignore[arg-type]
    assert found, f"no route serves {api} {method} {path}"
    return found


# ---- one sample request per route: (api, method, path template) -> a function returning its status ---------------

Sample = Callable[[Session], int]


def _login(s: Session) -> int:
    email = s.new_user()
    status, body, _ = request(s, "POST", "/sites/summit/auth/login", body={"email": email, "password": s.password})
    s.keep(body["access_token"])
    # and a failed one, and one whose body fails validation, each carrying the password
    assert request(s, "POST", "/sites/summit/auth/login", body={"email": email, "password": s.new_password})[0] == 401
    bad = request(s, "POST", "/sites/summit/auth/login", body={"email": ACCOUNT_NUMBER, "password": s.password})
    assert 400 <= bad[0] < 500, bad
    return status


def _mfa(s: Session) -> int:
    email, challenge = s.mfa_challenge()
    status, body, _ = request(s, "POST", "/sites/harvest/auth/mfa", body={"challenge_id": challenge,
                              "code": s.mailed_code(email)})  # fmt: skip
    s.keep(body["access_token"])
    return status


def _mfa_resend(s: Session) -> int:
    email, challenge = s.mfa_challenge()
    s.mailed_code(email)
    s.world.clock.advance(minutes=2)  # a resend right away may be refused as too soon
    status = request(s, "POST", "/sites/harvest/auth/mfa/resend", body={"challenge_id": challenge})[0]
    s.mailed_code(email)
    return status


def _forgot(s: Session) -> int:
    email = s.new_user()
    status = request(s, "POST", "/sites/summit/auth/password/forgot", body={"email": email})[0]
    s.mailed_token(email)
    return status


def _reset(s: Session) -> int:
    email = s.new_user()
    request(s, "POST", "/sites/summit/auth/password/forgot", body={"email": email})
    token = s.mailed_token(email)
    return request(s, "POST", "/sites/summit/auth/password/reset", body={"token": token,
                   "password": s.new_password})[0]  # fmt: skip


def _enrollment_details(s: Session) -> dict[str, str]:
    s.users += 1
    account, contract = f"E-{s.users}", f"CE-{s.users}"
    s.world.put_account("summit", account, "Acme", email_=f"enroll{s.users}@acme.example")
    s.world.put_contract("summit", contract, account)
    return {"first_name": "Ann", "last_name": "Smith", "postal_code": "60601", "contract_id": contract,
            "email": f"enroll{s.users}@acme.example"}  # fmt: skip


def _enroll(s: Session) -> int:
    details = _enrollment_details(s)
    status = request(s, "POST", "/sites/summit/enrollment", body=details)[0]
    s.mailed_token(details["email"])
    return status


def _enroll_verify(s: Session) -> int:
    details = _enrollment_details(s)
    request(s, "POST", "/sites/summit/enrollment", body=details)
    token = s.mailed_token(details["email"])
    return request(s, "POST", "/sites/summit/enrollment/verify", body={"token": token, "password": s.password})[0]


def _change_password(s: Session) -> int:
    _, token = s.signed_in()
    return request(s, "POST", "/sites/summit/me/password", token=token,
                   body={"current_password": s.password, "new_password": s.new_password})[0]  # fmt: skip


def _totp_start(s: Session) -> int:
    _, token = s.signed_in()
    status, body, _ = request(s, "POST", "/sites/summit/me/totp", token=token)
    s.keep(body["secret"])
    return status


def _totp_confirm(s: Session) -> int:
    _, token = s.signed_in()
    secret = s.keep(request(s, "POST", "/sites/summit/me/totp", token=token)[1]["secret"])
    code = s.keep(pyotp.TOTP(secret).at(s.world.clock()))
    return request(s, "POST", "/sites/summit/me/totp/confirm", token=token, body={"code": code})[0]


def _totp_remove(s: Session) -> int:
    _, token = s.signed_in()
    secret = s.keep(request(s, "POST", "/sites/summit/me/totp", token=token)[1]["secret"])
    request(
        s, "POST", "/sites/summit/me/totp/confirm", token=token, body={"code": pyotp.TOTP(secret).at(s.world.clock())}
    )
    return request(s, "DELETE", "/sites/summit/me/totp", token=token)[0]


def _signed_in_get(path: str) -> Sample:
    def sample(s: Session) -> int:
        _, token = s.signed_in()
        return request(s, "GET", path, token=token)[0]

    return sample


def _signed_in_post(path: str) -> Sample:
    def sample(s: Session) -> int:
        _, token = s.signed_in()
        return request(s, "POST", path, token=token)[0]

    return sample


# payments (PRODUCT.md §5): the account number rides in the bank-account bodies, the Idempotency-Key in every header
def _bank_account(s: Session, token: str) -> str:
    body = {"holder_name": "Pat Lee", "routing_number": "021000021", "account_number": ACCOUNT_NUMBER,
            "account_type": "checking", "owner_type": "personal"}  # fmt: skip
    bad = request(s, "POST", "/sites/summit/bank-accounts", token=token, body={**body, "routing_number": "021000022"})
    assert bad[0] == 422, bad
    status, created, _ = request(s, "POST", "/sites/summit/bank-accounts", token=token, body=body)
    assert status == 201, created
    return str(created["bank_account_id"])


def _payment(s: Session, token: str) -> str:
    bank_id = _bank_account(s, token)
    order = {"scope": "contract", "contract_id": "C-1", "bank_account_id": bank_id, "amount": "12.34",
             "payment_date": "2026-11-02"}  # fmt: skip
    status, body, _ = request(s, "POST", "/sites/summit/payments", token=token, body=order)
    assert status == 201, body
    return str(body["payment_id"])


def _add_bank_account(s: Session) -> int:
    _, token = s.signed_in()
    _bank_account(s, token)
    return 201


def _list_bank_accounts(s: Session) -> int:
    _, token = s.signed_in()
    _bank_account(s, token)
    return request(s, "GET", "/sites/summit/bank-accounts", token=token)[0]


def _delete_bank_account(s: Session) -> int:
    _, token = s.signed_in()
    return request(s, "DELETE", f"/sites/summit/bank-accounts/{_bank_account(s, token)}", token=token)[0]


def _pay(s: Session) -> int:
    _, token = s.signed_in()
    _payment(s, token)
    return 201


def _get_payment(s: Session) -> int:
    _, token = s.signed_in()
    return request(s, "GET", f"/sites/summit/payments/{_payment(s, token)}", token=token)[0]


def _cancel_payment(s: Session) -> int:
    _, token = s.signed_in()
    return request(s, "POST", f"/sites/summit/payments/{_payment(s, token)}/cancel", token=token)[0]


def _get(path: str, api: str = "enduser") -> Sample:
    return lambda s: request(s, "GET", path, api=api)[0]


# Staff requests (admin API): the Cognito claims API Gateway's authorizer passes, for a support member.
STAFF_CLAIMS = {"sub": "staff-1", "email": "support@example.com", "cognito:groups": "[portal-support]"}


def _staff_get(path: str, query: dict[str, str] | None = None) -> Sample:
    def sample(s: Session) -> int:
        import importlib

        from portal.wiring import Wiring

        importlib.import_module("admin.common").wiring = Wiring.from_env()  # bound to this test's AWS
        for module in ("admin.common",):
            importlib.import_module(module).wiring = s.world.wiring
        route, params = _resolve("admin", "GET", path)
        event = api_event("GET", path, resource=route.path, path_params=params or None, api_id="admin",
                          headers={"Idempotency-Key": s.idempotency_key},
                          query={"account_number": ACCOUNT_NUMBER, **(query or {})},
                          authorizer={"claims": STAFF_CLAIMS})  # fmt: skip
        return call("admin", event)[0]

    return sample


# ---- admin (issue #10): the admin creates users whose emailed links are secrets; bodies carry the account number


def _admin(method: str, path: str, body: Any = None) -> Sample:
    return lambda s: request(s, method, path, api="admin", body=body)[0]


def _admin_user(s: Session) -> str:
    """A Pending user made through the admin API; its registration link's token is a secret."""
    s.users += 1
    email = f"staffmade{s.users}@example.com"
    new = {"email": email, "first_name": "Ann", "last_name": "Lee", "account_ids": ["A-1"]}
    status, body, _ = request(s, "POST", "/admin/sites/summit/users", api="admin", body=new)
    assert status == 201, body
    s.mailed_token(email)
    return str(body["user_id"])


def _admin_create_user(s: Session) -> int:
    _admin_user(s)
    unlinkable = {"email": "x@example.com", "first_name": "A", "last_name": "B", "account_ids": [ACCOUNT_NUMBER]}
    bad = request(s, "POST", "/admin/sites/summit/users", api="admin", body=unlinkable)
    assert bad[0] == 422, bad
    return 201


def _admin_user_action(action: str, active: bool = False) -> Sample:
    def sample(s: Session) -> int:
        if active:
            email = s.new_user()
            user_id = s.world.store.user_id_for_email("summit", email)
        else:
            user_id = _admin_user(s)
        status = request(s, "POST", f"/admin/sites/summit/users/{user_id}/{action}", api="admin")[0]
        if action == "reset-password":
            s.mailed_token(email)
        return status

    return sample


def _admin_user_get(s: Session) -> int:
    return request(s, "GET", f"/admin/sites/summit/users/{_admin_user(s)}", api="admin")[0]


def _admin_user_patch(s: Session) -> int:
    return request(s, "PATCH", f"/admin/sites/summit/users/{_admin_user(s)}", api="admin",
                   body={"first_name": "Anne", "account_ids": ["A-1"]})[0]  # fmt: skip


def _admin_full_sync(s: Session) -> int:
    # The run itself is the sync's (its logs are covered by the sync tests): here only the request.
    started: list[str] = []
    object.__setattr__(s.world.wiring.admin_sync, "_start", started.append)
    return request(s, "POST", "/admin/sync/full", api="admin")[0]


def _diagnose_visibility(s: Session) -> int:
    user_id = s.world.user("summit", f"diag{s.users}@example.com", password=s.password, accounts=("A-1",))
    s.world.put_contract("summit", "C-DIAG", "A-1")
    return _staff_get("/admin/sites/summit/diagnostics/contract-visibility",
                      {"user_id": user_id, "contract_id": "C-DIAG"})(s)  # fmt: skip


def _diagnose_enrollment(s: Session) -> int:
    email = s.new_user()
    request(s, "POST", "/sites/summit/auth/password/forgot", body={"email": email})
    s.mailed_token(email)
    return _staff_get("/admin/sites/summit/diagnostics/enrollment", {"email": email})(s)


SAMPLES: dict[tuple[str, str, str], tuple[Sample, int]] = {
    ("enduser", "GET", "/health"): (_get("/health"), 200),
    ("enduser", "GET", "/openapi.json"): (_get("/openapi.json"), 200),
    ("enduser", "GET", "/sites/{site}"): (_get("/sites/summit"), 200),
    ("enduser", "POST", "/sites/{site}/auth/login"): (_login, 200),
    ("enduser", "POST", "/sites/{site}/auth/mfa"): (_mfa, 200),
    ("enduser", "POST", "/sites/{site}/auth/mfa/resend"): (_mfa_resend, 202),
    ("enduser", "POST", "/sites/{site}/auth/logout"): (_signed_in_post("/sites/summit/auth/logout"), 204),
    ("enduser", "POST", "/sites/{site}/auth/password/forgot"): (_forgot, 202),
    ("enduser", "POST", "/sites/{site}/auth/password/reset"): (_reset, 204),
    ("enduser", "POST", "/sites/{site}/enrollment"): (_enroll, 202),
    ("enduser", "POST", "/sites/{site}/enrollment/verify"): (_enroll_verify, 204),
    ("enduser", "GET", "/sites/{site}/me"): (_signed_in_get("/sites/summit/me"), 200),
    ("enduser", "POST", "/sites/{site}/me/password"): (_change_password, 204),
    ("enduser", "POST", "/sites/{site}/me/totp"): (_totp_start, 200),
    ("enduser", "POST", "/sites/{site}/me/totp/confirm"): (_totp_confirm, 204),
    ("enduser", "DELETE", "/sites/{site}/me/totp"): (_totp_remove, 204),
    ("enduser", "GET", "/sites/{site}/contracts"): (_signed_in_get("/sites/summit/contracts"), 200),
    ("enduser", "GET", "/sites/{site}/contracts/{contract_id}"): (_signed_in_get("/sites/summit/contracts/C-1"), 200),
    ("enduser", "GET", "/sites/{site}/contracts/{contract_id}/invoices"): (
        _signed_in_get("/sites/summit/contracts/C-1/invoices"), 200),
    ("enduser", "GET", "/sites/{site}/contracts/{contract_id}/amortization"): (
        _signed_in_get("/sites/summit/contracts/C-1/amortization"), 200),
    ("enduser", "GET", "/sites/{site}/lines-of-credit"): (_signed_in_get("/sites/summit/lines-of-credit"), 200),
    # payments (PRODUCT.md §5)
    ("enduser", "GET", "/sites/{site}/bank-accounts"): (_list_bank_accounts, 200),
    ("enduser", "POST", "/sites/{site}/bank-accounts"): (_add_bank_account, 201),
    ("enduser", "DELETE", "/sites/{site}/bank-accounts/{bank_account_id}"): (_delete_bank_account, 204),
    ("enduser", "GET", "/sites/{site}/payments/options"): (_signed_in_get("/sites/summit/payments/options"), 200),
    ("enduser", "POST", "/sites/{site}/payments"): (_pay, 201),
    ("enduser", "GET", "/sites/{site}/payments"): (_signed_in_get("/sites/summit/payments"), 200),
    ("enduser", "GET", "/sites/{site}/payments/{payment_id}"): (_get_payment, 200),
    ("enduser", "POST", "/sites/{site}/payments/{payment_id}/cancel"): (_cancel_payment, 202),
    ("admin", "GET", "/health"): (_get("/health", "admin"), 200),
    ("admin", "GET", "/openapi.json"): (_get("/openapi.json", "admin"), 200),
    # admin payments (paywriter)
    ("admin", "GET", "/admin/sites/{site}/users/{user_id}/payments"): (
        _staff_get("/admin/sites/summit/users/u-1/payments"), 200),
    ("admin", "GET", "/admin/sites/{site}/payments"): (_staff_get("/admin/sites/summit/payments"), 200),
    ("admin", "GET", "/admin/sites/{site}/diagnostics/payments/{payment_id}"): (
        _staff_get("/admin/sites/summit/diagnostics/payments/20260101T000000000000-deadbeef"), 200),
    ("admin", "GET", "/admin/settings"): (_admin("GET", "/admin/settings"), 200),
    ("admin", "PUT", "/admin/settings"): (_admin("PUT", "/admin/settings", {"payment_limit": "5000.00"}), 200),
    ("admin", "GET", "/admin/sites"): (_admin("GET", "/admin/sites"), 200),
    ("admin", "POST", "/admin/sites"): (_admin("POST", "/admin/sites", {"site_id": "granite",
                                                                       "display_name": ACCOUNT_NUMBER}), 201),
    ("admin", "GET", "/admin/sites/{site}"): (_admin("GET", "/admin/sites/summit"), 200),
    ("admin", "PATCH", "/admin/sites/{site}"): (_admin("PATCH", "/admin/sites/harvest", {"mfa_enabled": True}), 200),
    ("admin", "GET", "/admin/sites/{site}/users"): (_admin("GET", "/admin/sites/summit/users"), 200),
    ("admin", "POST", "/admin/sites/{site}/users"): (_admin_create_user, 201),
    ("admin", "GET", "/admin/sites/{site}/users/{user_id}"): (_admin_user_get, 200),
    ("admin", "PATCH", "/admin/sites/{site}/users/{user_id}"): (_admin_user_patch, 200),
    ("admin", "POST", "/admin/sites/{site}/users/{user_id}/reset-password"): (
        _admin_user_action("reset-password", active=True), 202),
    ("admin", "POST", "/admin/sites/{site}/users/{user_id}/resend-registration"): (
        _admin_user_action("resend-registration"), 202),
    ("admin", "POST", "/admin/sites/{site}/users/{user_id}/deactivate"): (_admin_user_action("deactivate"), 200),
    ("admin", "POST", "/admin/sites/{site}/users/{user_id}/reactivate"): (_admin_user_action("reactivate"), 200),
    ("admin", "GET", "/admin/sync"): (_admin("GET", "/admin/sync"), 200),
    ("admin", "POST", "/admin/sync/full"): (_admin_full_sync, 202),
    ("admin", "GET", "/admin/audit"): (_admin("GET", "/admin/audit"), 200),
    ("admin", "GET", "/admin/sites/{site}/accounts"): (_staff_get("/admin/sites/summit/accounts", {"q": "acme"}), 200),
    ("admin", "GET", "/admin/sites/{site}/accounts/{account_id}/users"): (
        _staff_get("/admin/sites/summit/accounts/A-1/users"), 200),
    ("admin", "GET", "/admin/sites/{site}/diagnostics/contract-visibility"): (_diagnose_visibility, 200),
    ("admin", "GET", "/admin/sites/{site}/diagnostics/account-linkability"): (
        _staff_get("/admin/sites/summit/diagnostics/account-linkability", {"account_id": "A-1"}), 200),
    ("admin", "GET", "/admin/sites/{site}/diagnostics/enrollment"): (_diagnose_enrollment, 200),
}  # fmt: skip


# ---- capture -----------------------------------------------------------------------------------------------------


@pytest.fixture
def debug_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Every logger at DEBUG (the SDK's wire dumps excepted); what Powertools prints, and whatever reaches the root.

    Powertools' handler holds the `sys.stdout` of the moment the logger was made (pytest's capture of an
    earlier test, under xdist): neither capfd nor capsys sees it, so its stream is pointed at the buffer too."""
    from portal.observability import SERVICE, logger

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    saved = {name: logging.getLogger(name).level for name in ("", *LIBRARY_LOGGERS)}
    saved_portal = logger.log_level
    streams = [h for h in logging.getLogger(SERVICE).handlers if isinstance(h, logging.StreamHandler)]
    assert streams, "the Powertools logger has no stream handler to capture"
    previous = [h.setStream(buffer) for h in streams]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    logger.setLevel("DEBUG")
    try:
        yield buffer
    finally:
        logger.setLevel(saved_portal)
        for stream_handler, stream in zip(streams, previous, strict=True):
            stream_handler.setStream(stream)
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def session(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    world = open_world(tmp_path, monkeypatch)
    bind_functions(world, "contracts", "payments")
    bind_admin(world)
    linkable_account(world, "summit", "A-1", "C-1")
    return Session(world)


def test_no_route_logs_a_secret(session: Session, debug_logs: io.StringIO, capfd: pytest.CaptureFixture[str]) -> None:
    # Given the capture sees what the portal's logger prints at DEBUG (else this test could not fail)
    from portal.observability import logger

    canary = f"canary-{secrets.token_hex(8)}"
    logger.debug("capture check", extra={"value": canary})
    logging.getLogger("portal.capture-check").debug(canary)
    assert debug_logs.getvalue().count(canary) == 2  # the Powertools JSON line, and the stdlib logger's

    # When every route is driven with its sample request
    statuses = {}
    for route in ROUTES:
        key = (route.api, route.method, route.path)
        if key not in SAMPLES:
            pytest.fail(f"route {route.api} {route.method} {route.path} has no sample request: add one to SAMPLES in "
                        f"{Path(__file__).name}, carrying the secrets that route handles")  # fmt: skip
        sample, expected = SAMPLES[key]
        statuses[key] = (sample(session), expected)

    # Then each did what it is for (a route that errors early would prove nothing) ...
    assert {key: got for key, (got, _) in statuses.items()} == {key: want for key, (_, want) in statuses.items()}
    captured = capfd.readouterr()
    output = captured.out + captured.err + debug_logs.getvalue()
    assert output.count('"level"') > len(ROUTES), "expected the handlers' DEBUG/INFO lines in the capture"
    # ... and no secret appears anywhere in what was logged (nor the secret half of a session token)
    values = session.secrets | {t.split(".", 1)[1] for t in session.secrets if t.count(".") and len(t) > 40}
    leaked = sorted(value for value in values if _appears(value, output))
    assert not leaked, f"secrets in the logs: {leaked}\n{_lines_with(output, leaked)}"


def _appears(value: str, output: str) -> bool:
    if value.isdigit():  # a 6-digit code inside a longer number (an epoch in ms, say) is not that code
        return re.search(rf"(?<!\d){value}(?!\d)", output) is not None
    return value in output


def _lines_with(output: str, values: list[str]) -> str:
    return "\n".join(line[:400] for line in output.splitlines() if any(v in line for v in values))[:4000]


def test_every_route_has_a_sample_request() -> None:
    # Given the route table / Then the table of samples covers it exactly (a stale sample is a renamed route)
    routes = {(r.api, r.method, r.path) for r in ROUTES}
    assert not routes - SAMPLES.keys(), f"add a sample request to SAMPLES for: {sorted(routes - SAMPLES.keys())}"
    assert not SAMPLES.keys() - routes, f"samples for routes that no longer exist: {sorted(SAMPLES.keys() - routes)}"
