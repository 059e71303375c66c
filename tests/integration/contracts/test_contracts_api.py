"""The contracts routes end to end: ASPIRE rows -> the real sync -> moto -> the handler (PRODUCT.md §2, API.md)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from contracts_kit import ContractsApi, principal

from local.aspire.scenario import AspireScenario

Sync = Callable[..., dict[str, Any]]
MONEY = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def ops(**counts: int) -> Counter[str]:
    return Counter({f"dynamodb.{name}": n for name, n in counts.items()})


def every_page(api: ContractsApi, path: str, who: Any, **query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        answer = api.get(path, who, {**query, **({"next_token": token} if token else {})})
        assert answer.status == 200, answer.body
        items += answer.body["items"]
        token = answer.body["next_token"]
        if token is None:
            return items


def aspire_rows(scenario: AspireScenario, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = scenario.source.connection().execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- list ------------------------------------------------------------------------------------------------------
def test_list_shows_the_open_contracts_by_default_and_the_terminated_ones_as_closed(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    # Given a customer with an active and a terminated contract, and a guarantee on someone else's contract
    scenario.account("A-ME")
    scenario.account("A-OTHER")
    active = scenario.contract("A-ME")
    closed = scenario.contract("A-ME", state="terminated")
    guaranteed = scenario.contract("A-OTHER", extra_roles=[("A-ME", "Guarantor")])
    sync()
    # When the user lists open and closed contracts
    open_page = api.get("/sites/summit/contracts", principal())
    closed_page = api.get("/sites/summit/contracts", principal(), {"status": "closed"})
    # Then open holds the active ones with the user's role, closed the terminated one
    assert open_page.status == 200 and closed_page.status == 200
    assert [(c["contract_id"], c["roles"]) for c in open_page.body["items"]] == [
        (active, ["Customer"]),
        (guaranteed, ["Guarantor"]),
    ]
    assert [c["contract_id"] for c in closed_page.body["items"]] == [closed]
    assert closed_page.body["items"][0]["status"] == "closed" and closed_page.body["items"][0]["termination_date"]
    # And money is a decimal string, dates are YYYY-MM-DD, every response has as_of and next_token
    first = open_page.body["items"][0]
    assert MONEY.match(first["next_due_amount"]) and MONEY.match(first["payment_amount"])
    assert DATE.match(first["maturity_date"]) and DATE.match(first["next_due_date"])
    assert open_page.body["next_token"] is None and datetime.fromisoformat(open_page.body["as_of"])


def test_list_pages_through_every_visible_contract_once(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    # Given 7 open contracts over two linked accounts, one of them held by both
    for account in ("A-ME", "A-ME2", "A-OTHER"):
        scenario.account(account)
    mine = [scenario.contract("A-ME") for _ in range(4)] + [scenario.contract("A-ME2") for _ in range(2)]
    mine.append(scenario.contract("A-ME", extra_roles=[("A-ME2", "Guarantor")]))
    scenario.contract("A-OTHER")
    sync()
    api.warm()
    who = principal(accounts=("A-ME", "A-ME2"))
    # When the user pages with limit=3
    pages = []
    token = None
    while True:
        answer = api.get("/sites/summit/contracts", who, {"limit": "3", **({"next_token": token} if token else {})})
        assert answer.status == 200
        # Then each page costs one Query per linked account plus one BatchGetItem
        assert answer.ops == ops(Query=2, BatchGetItem=1)
        pages.append([c["contract_id"] for c in answer.body["items"]])
        token = answer.body["next_token"]
        if token is None:
            break
    # And the pages hold every visible contract exactly once, in order
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [cid for page in pages for cid in page] == sorted(mine)


def test_the_list_costs_one_query_per_linked_account_plus_one_batch_get(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    # Given 3 linked accounts and 30 contracts between them
    for account in ("A-1", "A-2", "A-3"):
        scenario.account(account)
    for n in range(30):
        scenario.contract(("A-1", "A-2", "A-3")[n % 3])
    sync()
    api.warm()
    # When the user lists contracts (default page of 25) and when a user with no linked account does
    answer = api.get("/sites/summit/contracts", principal(accounts=("A-1", "A-2", "A-3")))
    nobody = api.get("/sites/summit/contracts", principal(accounts=()))
    # Then: linked accounts + 1, and 1 (as_of still comes from the control table)
    assert len(answer.body["items"]) == 25 and answer.body["next_token"]
    assert answer.ops == ops(Query=3, BatchGetItem=1)
    assert nobody.body["items"] == [] and nobody.body["as_of"] and nobody.ops == ops(BatchGetItem=1)


def test_the_site_map_is_read_once_per_container_not_per_request(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    scenario.account("A-ME")
    contract = scenario.contract("A-ME")
    sync()
    # Given a cold container: the first request pays one Query for the site map
    first = api.get(f"/sites/summit/contracts/{contract}", principal())
    second = api.get(f"/sites/summit/contracts/{contract}", principal())
    assert first.status == second.status == 200
    assert first.ops == ops(BatchGetItem=1, Query=2)
    # Then later requests of the same container do not
    assert second.ops == ops(BatchGetItem=1, Query=1)


def test_aws_operations_per_route(scenario: AspireScenario, sync: Sync, api: ContractsApi) -> None:
    # Given a user with two linked accounts, a loan, an operating lease and lines of credit
    scenario.account("A-ME")
    scenario.account("A-ME2")
    loan = scenario.contract("A-ME", contract_type="Loan")
    lease = scenario.contract("A-ME2", contract_type="OperatingLease")
    scenario.line_of_credit("A-ME", "1000.00", "10.00")
    scenario.line_of_credit("A-ME2", "2000.00", "20.00")
    sync()
    api.warm()
    who = principal(accounts=("A-ME", "A-ME2"))
    budget = {
        "/sites/summit/contracts": ops(Query=2, BatchGetItem=1),
        f"/sites/summit/contracts/{loan}": ops(BatchGetItem=1, Query=1),
        f"/sites/summit/contracts/{loan}/invoices": ops(BatchGetItem=1, Query=1),
        f"/sites/summit/contracts/{loan}/amortization": ops(BatchGetItem=1, GetItem=1),
        f"/sites/summit/contracts/{lease}/amortization": ops(BatchGetItem=1),
        "/sites/summit/contracts/C-99999": ops(BatchGetItem=1),
        "/sites/summit/lines-of-credit": ops(BatchGetItem=1, Query=2),
    }
    # When each route is called, Then it makes exactly these AWS operations (and never a Scan)
    for path, expected in budget.items():
        answer = api.get(path, who)
        assert answer.ops == expected, (path, answer.ops)


# --- one contract ----------------------------------------------------------------------------------------------
def test_details_hold_type_balances_next_due_maturity_and_assets_with_serial_numbers(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    scenario.account("A-ME")
    contract = scenario.contract("A-ME", contract_type="CapitalLease")
    sync()
    answer = api.get(f"/sites/summit/contracts/{contract}", principal())
    assert answer.status == 200
    body = answer.body
    (row,) = aspire_rows(scenario, "SELECT * FROM Contract WHERE ContractId = ?", contract)
    (financial,) = aspire_rows(scenario, "SELECT * FROM ContractFinancial WHERE ContractId = ?", contract)
    assets = aspire_rows(scenario, "SELECT AssetId, SerialNumber FROM Asset WHERE ContractId = ?", contract)
    assert body["contract_type"] == "CapitalLease" and body["status"] == "open"
    assert body["next_due_date"] == str(row["NextDueDate"]) and body["next_due_amount"] == str(row["NextDueAmount"])
    assert body["maturity_date"] == str(row["MaturityDate"])
    assert body["balances"]["principal_balance"] == str(financial["PrincipalBalance"])
    assert body["balances"]["past_due_amount"] == str(row["PastDueAmount"])
    assert all(MONEY.match(v) for v in body["balances"].values() if v is not None)
    assert {(a["asset_id"], a["serial_number"]) for a in body["assets"]} == {
        (str(a["AssetId"]), a["SerialNumber"]) for a in assets
    }
    assert body["as_of"]


def test_invoices_are_the_open_ones_by_default_newest_first_and_all_on_request(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    scenario.account("A-ME")
    contract = scenario.contract("A-ME")
    # Given the contract's invoices, two of them open
    scenario.execute("UPDATE Invoice SET Status = 'Open', Balance = Amount WHERE ContractId = ? AND InvoiceId <= 2",
                     contract)  # fmt: skip
    sync()
    api.warm()
    expected = aspire_rows(scenario, "SELECT InvoiceId, Status, DueDate FROM Invoice WHERE ContractId = ?", contract)
    path = f"/sites/summit/contracts/{contract}/invoices"
    # When the user reads them (open by default; all, two per page)
    open_only = api.get(path, principal())
    everything = every_page(api, path, principal(), status="all", limit="2")
    assert open_only.status == 200 and open_only.ops == ops(BatchGetItem=1, Query=1)
    assert {i["invoice_id"] for i in open_only.body["items"]} == {
        str(r["InvoiceId"]) for r in expected if r["Status"] == "Open"
    }
    assert all(i["status"] == "Open" for i in open_only.body["items"])
    assert [i["invoice_id"] for i in everything] == [
        str(r["InvoiceId"]) for r in sorted(expected, key=lambda r: (r["DueDate"], r["InvoiceId"]), reverse=True)
    ]


def test_amortization_pages_in_payment_order(scenario: AspireScenario, sync: Sync, api: ContractsApi) -> None:
    scenario.account("A-ME")
    contract = scenario.contract("A-ME", contract_type="Loan")
    sync()
    api.warm()
    rows = aspire_rows(scenario, "SELECT PaymentNumber FROM AmortizationSchedule WHERE ContractId = ?", contract)
    path = f"/sites/summit/contracts/{contract}/amortization"
    first = api.get(path, principal(), {"limit": "10"})
    assert first.status == 200 and first.ops == ops(BatchGetItem=1, GetItem=1)
    assert first.body["contract_type"] == "Loan" and first.body["reason"] is None
    everything = every_page(api, path, principal(), limit="10")
    assert [r["payment_number"] for r in everything] == list(range(1, len(rows) + 1))
    assert all(MONEY.match(r["principal"]) and MONEY.match(r["ending_balance"]) for r in everything)


def test_an_operating_lease_has_an_empty_schedule_with_the_reason(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    # Given an operating lease (ASPIRE has no amortization rows for it)
    scenario.account("A-ME")
    lease = scenario.contract("A-ME", contract_type="OperatingLease")
    sync()
    api.warm()
    # When the user asks for its amortization schedule
    answer = api.get(f"/sites/summit/contracts/{lease}/amortization", principal())
    # Then it is an empty list with the reason, and no Query for rows that cannot exist
    assert answer.status == 200
    assert answer.body["items"] == [] and answer.body["next_token"] is None
    assert answer.body["contract_type"] == "OperatingLease"
    assert answer.body["reason"] == "Operating leases have no amortization schedule."
    assert answer.body["as_of"] and answer.ops == ops(BatchGetItem=1)


# --- lines of credit -------------------------------------------------------------------------------------------
def test_lines_of_credit_of_the_linked_accounts_on_this_site(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    for account in ("A-ME", "A-ME2", "A-OTHER"):
        scenario.account(account, name=f"{account} Inc")
        scenario.contract(account)
    mine = scenario.line_of_credit("A-ME", "50000.00", "12500.50")
    closed = scenario.line_of_credit("A-ME", "1000.00", "0.00", status="Closed")
    theirs = scenario.line_of_credit("A-ME2", "20000.00", "25000.00")  # over the limit: nothing available
    scenario.line_of_credit("A-ME", "9999.00", "0.00", label="AGRI")  # another site's line
    scenario.line_of_credit("A-OTHER", "7000.00", "0.00")  # not linked
    sync()
    answer = api.get("/sites/summit/lines-of-credit", principal(accounts=("A-ME", "A-ME2")))
    assert answer.status == 200 and answer.ops == ops(BatchGetItem=1, Query=2)
    by_id = {line["line_of_credit_id"]: line for line in answer.body["items"]}
    assert set(by_id) == {mine, closed, theirs}
    assert by_id[mine] == {
        "line_of_credit_id": mine,
        "account_id": "A-ME",
        "account_name": "A-ME Inc",
        "credit_limit": "50000.00",
        "used_amount": "12500.50",
        "available_amount": "37499.50",
        "status": "Active",
    }
    assert by_id[theirs]["available_amount"] == "0.00" and by_id[closed]["status"] == "Closed"
    # And they page like every list
    assert len(every_page(api, "/sites/summit/lines-of-credit", principal(accounts=("A-ME", "A-ME2")), limit="1")) == 3


# --- as_of -----------------------------------------------------------------------------------------------------
def test_as_of_is_when_each_kind_of_data_was_last_synced(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    scenario.account("A-ME")
    contract = scenario.contract("A-ME")
    # Given no sync has run yet: no data and no as_of
    never = api.get("/sites/summit/contracts", principal())
    assert never.status == 200 and never.body == {"items": [], "next_token": None, "as_of": None}
    # When the first (full) incremental run, a daily run and another incremental run have happened
    first = sync()
    daily = sync("daily")
    later = sync()
    start = {name: datetime.fromisoformat(run["started_at"]) for name, run in
             (("first", first), ("daily", daily), ("later", later))}  # fmt: skip
    assert start["first"] < start["daily"] < start["later"]

    def as_of(path: str) -> datetime:
        answer = api.get(path, principal())
        assert answer.status == 200
        return datetime.fromisoformat(answer.body["as_of"])

    base = f"/sites/summit/contracts/{contract}"
    # Then incremental data (list, invoices) is as of the later incremental run's start
    assert as_of("/sites/summit/contracts") == as_of(f"{base}/invoices") == start["later"]
    # And daily data (schedule, lines of credit) as of the daily run's start
    assert as_of(f"{base}/amortization") == as_of("/sites/summit/lines-of-credit") == start["daily"]
    # And the details, which mix both, as of the older
    assert as_of(base) == start["daily"]


# --- bad requests ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "x" * 2000, "eyJwIjoiQy0wMDAwMSIsInYiOjF9.AAAAAAAAAAAAAAAAAAAAAA", "é.é"],
)
def test_a_malformed_next_token_is_400(scenario: AspireScenario, sync: Sync, api: ContractsApi, token: str) -> None:
    scenario.account("A-ME")
    scenario.contract("A-ME")
    sync()
    answer = api.get("/sites/summit/contracts", principal(), {"next_token": token})
    assert answer.status == 400
    assert answer.body["error"]["code"] == "invalid_next_token" and answer.body["error"]["message"]


def test_a_next_token_is_bound_to_its_list_user_and_session(
    scenario: AspireScenario, sync: Sync, api: ContractsApi
) -> None:
    scenario.account("A-ME")
    for _ in range(3):
        scenario.contract("A-ME")
    sync()
    token = api.get("/sites/summit/contracts", principal(), {"limit": "1"}).body["next_token"]
    assert token
    payload, tag = token.split(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + tag
    cases = {
        "same list": (principal(), {"limit": "1", "next_token": token}, 200),
        "other status": (principal(), {"status": "closed", "next_token": token}, 400),
        "other user": (principal(user_id="U-2"), {"next_token": token}, 400),
        "tampered position": (principal(), {"next_token": tampered}, 400),
    }
    for case, (who, query, status) in cases.items():
        assert api.get("/sites/summit/contracts", who, query).status == status, case


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/sites/summit/contracts", {"status": "pending"}, "status"),
        ("/sites/summit/contracts", {"limit": "0"}, "limit"),
        ("/sites/summit/contracts", {"limit": "101"}, "limit"),
        ("/sites/summit/lines-of-credit", {"limit": "many"}, "limit"),
        ("/sites/summit/contracts/C-00001/invoices", {"status": "paid"}, "status"),
    ],
)
def test_invalid_query_values_are_422_with_the_field(
    api: ContractsApi, path: str, query: dict[str, str], field: str
) -> None:
    answer = api.get(path, principal(), query)
    assert answer.status == 422
    assert answer.body["error"]["code"] == "validation_failed"
    assert any(f["field"].endswith(field) for f in answer.body["error"]["fields"])


@pytest.mark.parametrize("contract_id", ["C-99999", "C#1", "S#summit#C#C-00001", "x" * 200, "%00"])
def test_unknown_or_unkeyable_contract_ids_are_404(
    scenario: AspireScenario, sync: Sync, api: ContractsApi, contract_id: str
) -> None:
    scenario.account("A-ME")
    scenario.contract("A-ME")
    sync()
    for suffix in ("", "/invoices", "/amortization"):
        answer = api.get(f"/sites/summit/contracts/{contract_id}{suffix}", principal())
        assert answer.status == 404
        if "#" in contract_id:  # no route matches such a path: the resolver's own 404
            assert answer.body["error"]["code"] == "not_found"
        else:
            assert answer.body == {"error": {"code": "contract_not_found", "message": "There is no such contract."}}


def test_the_openapi_document_describes_the_contract_routes(aws: None) -> None:
    import importlib
    import json

    from local.events import LambdaContextStub, api_event

    meta = importlib.reload(importlib.import_module("meta.app"))
    response = meta.handler(api_event("GET", "/openapi.json"), LambdaContextStub("meta"))
    document = json.loads(response["body"])
    for path in (
        "/sites/{site}/contracts",
        "/sites/{site}/contracts/{contract_id}",
        "/sites/{site}/contracts/{contract_id}/invoices",
        "/sites/{site}/contracts/{contract_id}/amortization",
        "/sites/{site}/lines-of-credit",
    ):
        assert "get" in document["paths"][path], path
    parameters = {p["name"] for p in document["paths"]["/sites/{site}/contracts"]["get"]["parameters"]}
    assert {"status", "limit", "next_token"} <= parameters
