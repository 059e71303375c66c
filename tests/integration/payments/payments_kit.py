"""What the payments tests share: the sign-in world on moto with the payments function bound to it, users with
contracts and open invoices, and requests as API Gateway delivers them after the authorizer.

The authorizer context is the principal's own (`EndUser.context()`): the authorizer itself is covered by the
authorization matrix; here each request names whose it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from local.events import api_event
from portal.adapters.dynamodb.codec import from_item, to_item
from portal.config import PaymentsSettings
from portal.domain.bank import aba_check_digit
from portal.domain.principal import EndUser
from portal.domain.settings import InstanceSettings
from portal.services.sync_items import ContractState, contract_items
from tests.integration.identity.kit import BRANDING, World, bind_functions, call, client, open_world

SITE = "summit"
ROUTING = "02100002" + aba_check_digit("02100002")  # a routing number that passes the ABA checksum
ACCOUNT_NUMBER = "987654321012"
ALICE, BOB = "alice@example.com", "bob@example.com"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, Any]

    def error(self) -> str:
        return str(self.body["error"]["code"])


@dataclass
class Payments:
    world: World
    users: dict[str, EndUser]

    # --- given ---------------------------------------------------------------------------------------------------
    def user(self, email: str, accounts: Sequence[str], site: str = SITE) -> EndUser:
        user_id = self.world.user(site, email, accounts=accounts)
        principal = EndUser(site, user_id, f"session-{user_id}", tuple(accounts))
        self.users[email] = principal
        return principal

    def contract(
        self,
        contract_id: str,
        customer: str,
        invoices: Sequence[tuple[str, str, str]] = (),
        *,
        site: str = SITE,
        terminated: bool = False,
    ) -> None:
        """A booked contract of `customer` with open invoices (invoice id, due date, balance)."""
        row = {"ContractId": contract_id, "PrivateLabel": None, "IsBooked": True, "IsTerminated": terminated,
               "BillToPostalCode": "60601", "BillToCountry": "US", "BillToEmail": ""}  # fmt: skip
        rows = tuple(
            {"InvoiceId": inv, "InvoiceNumber": f"N-{inv}", "InvoiceDate": "2026-10-01", "DueDate": due,
             "Amount": Decimal(balance), "Balance": Decimal(balance), "Status": "Open"}
            for inv, due, balance in invoices
        )  # fmt: skip
        state = ContractState(contract=row, roles=[{"AccountId": customer, "RoleType": "Customer"}], invoices=rows)
        for desired in contract_items(site, state, {"incremental"}):
            client("dynamodb").put_item(TableName=self.settings.table_data, Item=to_item(desired.item()))

    def instance(self, **changes: Any) -> None:
        self.world.wiring.sites.put_settings(InstanceSettings(login_branding=BRANDING, **changes))

    @property
    def settings(self) -> PaymentsSettings:
        return PaymentsSettings.load()

    # --- when ----------------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        who: str | None = ALICE,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Answer:
        from portal.api.routes import resolve

        found = resolve("enduser", method, path)
        assert found, path
        route, params = found
        principal = self.users[who] if who else None
        event = api_event(method, path, resource=route.path, path_params=params, headers=dict(headers or {}),
                          body=body, query=query, authorizer=principal.context() if principal else None)  # fmt: skip
        return Answer(*call(route.function, event))

    def add_bank(self, who: str = ALICE, **changes: str) -> Answer:
        body = {"holder_name": "Alice Smith", "routing_number": ROUTING, "account_number": ACCOUNT_NUMBER,
                "account_type": "checking", "owner_type": "personal", **changes}  # fmt: skip
        return self.request("POST", f"/sites/{SITE}/bank-accounts", who, body)

    def pay(self, key: str | None = "key-1", who: str = ALICE, **fields: Any) -> Answer:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return self.request("POST", f"/sites/{SITE}/payments", who, fields, headers)

    # --- then ----------------------------------------------------------------------------------------------------
    def raw_items(self) -> list[dict[str, Any]]:
        """Every item of every portal table, as stored."""
        items = []
        for name in (self.settings.table_data, self.settings.table_identity, self.settings.table_payments,
                     self.settings.table_control):  # fmt: skip
            for page in client("dynamodb").get_paginator("scan").paginate(TableName=name):
                items.extend(page["Items"])
        return items

    def payment_items(self) -> list[dict[str, Any]]:
        return [from_item(i) for i in self.raw_items() if i.get("type", {}).get("S") == "payment"]

    def queued(self) -> list[dict[str, Any]]:
        sqs = client("sqs")
        messages = sqs.receive_message(QueueUrl=self.settings.payments_queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


@pytest.fixture
def pay(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Payments:
    world = open_world(tmp_path, monkeypatch)
    bind_functions(world, "payments")
    return Payments(world, {})
