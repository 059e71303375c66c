"""What the sign-in tests share: a movable clock, the outbox reader, synced-item builders and the world.

The world is the real thing on moto (DynamoDB, SES, KMS) with three deliberate differences, each a
parameter of `build_identity`: a clock the test moves, cheap argon2 parameters for bulk cases (one unit test
asserts the production parameters), and no response-time floor. Emails are read back from the outbox
directory the SES adapter writes, as a person trying the portal locally would.
"""

from __future__ import annotations

import email
import email.policy
import importlib
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from aws_lambda_powertools.utilities import parameters

from local.events import LambdaContextStub
from portal.adapters.dynamodb.codec import to_item
from portal.adapters.dynamodb.customer_records import DynamoCustomerRecords
from portal.adapters.kms import KmsCipher
from portal.adapters.ses import SesMailer
from portal.config import IdentitySettings, PaymentsSettings
from portal.domain.settings import InstanceSettings, LoginBranding, Site
from portal.services.identity.context import Pacer
from portal.services.identity.passwords import HashParameters, Passwords
from portal.services.identity.service import Identity, build_identity
from portal.services.identity.sessions import SessionService
from portal.services.identity.throttle import PRODUCTION_POLICY, ThrottlePolicy
from portal.services.sync_items import AccountState, ContractState, account_items, contract_items
from portal.wiring import Wiring

CHEAP_HASHES = HashParameters(time_cost=1, memory_cost_kib=8, parallelism=1)
START = datetime(2026, 11, 2, 15, 0, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"

SITES = (
    Site(site_id="summit", display_name="Summit Equipment Finance", is_default=True, mfa_enabled=False),
    Site(site_id="harvest", display_name="Harvest Ag Finance", private_labels=("AGRI",), mfa_enabled=True),
    Site(site_id="careline", display_name="CareLine Medical Leasing", private_labels=("MED",), mfa_enabled=False),
)
BRANDING = LoginBranding(button_color="#123456", support_email="help@portal.example", logo_url="https://x.test/l.svg")


class MovableClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    kind: str
    text: str
    html: str

    @property
    def code(self) -> str:
        match = re.search(r"sign-in code is (\d{6})\b", self.text)
        assert match, self.text
        return match.group(1)

    @property
    def link(self) -> str:
        match = re.search(r"https?://\S+\?token=\S+", self.text)
        assert match, self.text
        return match.group(0)

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.link).query)["token"][0]


@dataclass
class Outbox:
    directory: Path

    def all(self, to: str | None = None) -> list[Mail]:
        mails = []
        for path in sorted(self.directory.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = message.get_body(preferencelist=("plain",))
            html = message.get_body(preferencelist=("html",))
            mail = Mail(
                to=str(message["To"]),
                subject=str(message["Subject"]),
                kind=str(message["X-Portal-Kind"]),
                text=text.get_content() if text is not None else "",
                html=html.get_content() if html is not None else "",
            )
            if to is None or mail.to == to:
                mails.append(mail)
        return mails

    def last(self, to: str) -> Mail:
        mails = self.all(to)
        assert mails, f"no email to {to}"
        return mails[-1]


@dataclass
class World:
    wiring: Wiring
    identity: Identity
    clock: MovableClock
    outbox: Outbox
    synced: list[list[str]] = field(default_factory=list)

    @property
    def store(self) -> Any:
        return self.wiring.identity_store

    def user(self, site: str, email_: str, *, password: str = PASSWORD, accounts: Sequence[str] = ("A-1",)) -> str:
        from portal.services.identity.models import UserStatus

        user = self.identity.users.create_user(
            site, email_, "Pat", "Lee", list(accounts), UserStatus.ACTIVE, password=password, link_source="test"
        )
        return user.user_id

    def put_contract(
        self,
        site: str,
        contract_id: str,
        customer: str | None,
        *,
        booked: bool = True,
        terminated: bool = False,
        postal: str = "60601",
        country: str = "US",
        bill_to_email: str = "",
        other_roles: Sequence[tuple[str, str]] = (),
    ) -> None:
        row = {
            "ContractId": contract_id,
            "PrivateLabel": None,
            "IsBooked": booked,
            "IsTerminated": terminated,
            "BillToPostalCode": postal,
            "BillToCountry": country,
            "BillToEmail": bill_to_email,
        }
        roles = [{"AccountId": customer, "RoleType": "Customer"}] if customer else []
        roles += [{"AccountId": account, "RoleType": role} for account, role in other_roles]
        self._write(contract_items(site, ContractState(contract=row, roles=roles), {"incremental"}))

    def put_account(
        self, site: str, account_id: str, name: str, *, email_: str = "", contacts: Sequence[str] = ()
    ) -> None:
        state = AccountState(
            account={"AccountId": account_id, "Name": name, "AccountType": "Business", "Email": email_},
            roles=[],
            contacts=tuple(
                {"ContactId": f"{account_id}-K{n}", "FirstName": "C", "LastName": "K", "Email": value, "Phone": None}
                for n, value in enumerate(contacts)
            ),
        )
        self._write(account_items(site, [], state, {"incremental"}))

    def _write(self, items: Sequence[Any]) -> None:
        for desired in items:
            client("dynamodb").put_item(TableName=self.wiring.settings.table_data, Item=to_item(desired.item()))


_CLIENTS: dict[str, Any] = {}


def client(service: str) -> Any:
    """boto3 clients shared by the tests of a process: creating one costs ~50 ms, and moto intercepts a
    client whenever a mock is active, whenever the client was made (its state is fresh per test)."""
    if service not in _CLIENTS:
        _CLIENTS[service] = boto3.client(service, region_name="us-east-1")
    return _CLIENTS[service]


def count_calls(*services: str) -> Counter[str]:
    """AWS operations made from now on through the shared clients ("dynamodb.UpdateItem": n)."""
    counter: Counter[str] = Counter()

    def _count(event_name: str, **_kwargs: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        counter[f"{service}.{operation}"] += 1

    for service in services:
        client(service).meta.events.register("before-call.*.*", _count)
    return counter


@contextmanager
def recorded_calls(*services: str) -> Iterator[list[str]]:
    """The AWS operations made inside the block through the shared clients, in order ("dynamodb.Query")."""
    calls: list[str] = []

    def _record(event_name: str, **_kwargs: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        calls.append(f"{service}.{operation}")

    for service in services:
        client(service).meta.events.register("before-call.*.*", _record)
    try:
        yield calls
    finally:
        for service in services:
            client(service).meta.events.unregister("before-call.*.*", _record)


def prepare_aws(outbox_dir: Path, sites: Sequence[Site] = SITES, settings: InstanceSettings | None = None) -> None:
    """What the CDK stack (or `make run`) provides: the sender identity, the application key, the sites."""
    config = IdentitySettings.load()
    client("ses").verify_email_identity(EmailAddress=config.sender_email)
    kms = client("kms")
    key_id = kms.create_key(Description="test app key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=config.kms_key_id, TargetKeyId=key_id)
    payments = PaymentsSettings.load()
    parameters.clear_caches()  # Powertools keeps a fetched secret 5 minutes; each test's moto has its own
    client("secretsmanager").create_secret(Name=payments.fingerprint_secret_id, SecretString=secrets.token_hex(32))
    client("sqs").create_queue(QueueName=payments.payments_queue_url.rsplit("/", 1)[1])
    repo = _wiring().sites
    for site in sites:
        repo.put_site(site)
    repo.put_settings(settings or InstanceSettings(login_branding=BRANDING))


def build_world(
    outbox_dir: Path,
    *,
    hashes: HashParameters = CHEAP_HASHES,
    policy: ThrottlePolicy = PRODUCTION_POLICY,
    pacer: Pacer | None = None,
    clock: MovableClock | None = None,
) -> World:
    """Requires the environment of `prepare_aws` (moto active, PORTAL_OUTBOX_DIR set)."""
    clock = clock or MovableClock()
    wiring = _wiring()
    config = wiring.identity_settings
    synced: list[list[str]] = []
    sessions = SessionService(wiring.identity_store, clock)
    identity = build_identity(
        store=wiring.identity_store,
        sites=wiring.sites,
        mailer=SesMailer(client("sesv2"), config.sender_email, outbox_dir=config.outbox_dir or None),
        cipher=KmsCipher(client("kms"), config.kms_key_id),
        records=DynamoCustomerRecords(wiring.dynamodb, wiring.settings.table_data),
        customer_sync=lambda accounts: synced.append(list(accounts)),
        clock=clock,
        web_base_url=config.web_base_url,
        sessions=sessions,
        passwords=Passwords(hashes),
        throttle_policy=policy,
        pacer=pacer or Pacer(0),
    )
    set_attr = object.__setattr__
    set_attr(wiring, "clock", clock)
    set_attr(wiring, "sessions", sessions)
    set_attr(wiring, "identity", identity)
    return World(wiring, identity, clock, Outbox(outbox_dir), synced)


def _wiring() -> Wiring:
    wiring = Wiring.from_env()
    object.__setattr__(wiring, "dynamodb", client("dynamodb"))
    return wiring


def open_world(tmp_path: Path, monkeypatch: Any) -> World:
    """The world of one test (moto must be active: the `aws` fixture), bound to the handler modules."""
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("PORTAL_OUTBOX_DIR", str(outbox))
    prepare_aws(outbox)
    world = build_world(outbox)
    bind_functions(world, "login", "authorizer")
    return world


def bind_functions(world: World, *names: str) -> None:
    """Points the handler modules (as the local gateway imported them) at this world's wiring."""
    from local.gateway import function_module

    for name in names:
        setattr(function_module(name), "wiring", world.wiring)  # noqa: B010 - a module attribute, set on purpose


def call(function: str, event: dict[str, Any]) -> tuple[int, Any, dict[str, Any]]:
    """Invokes a handler module directly; (status, JSON body, headers)."""
    module = importlib.import_module(f"{function}.app")
    response = module.handler(event, LambdaContextStub(function))
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    body = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], body, headers
