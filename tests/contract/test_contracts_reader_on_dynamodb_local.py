"""The contracts reader against DynamoDB Local, which enforces what moto lets pass (100 keys per BatchGetItem,
expression syntax and reserved words), on data written by the real sync."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from local.aspire.scenario import AspireScenario
from local.events import LambdaContextStub, api_event
from portal.domain.principal import EndUser
from portal.domain.settings import Site
from portal.wiring import SyncWiring, Wiring

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("dynamodb_local")]


@pytest.fixture
def synced(ddb_local_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    # Given a customer with 60 open and 3 closed operating leases, a guarantee, an amortized loan and lines of credit
    scenario = AspireScenario(tmp_path / "aspire.db")
    scenario.account("A-ME")
    scenario.account("A-OTHER")
    ids = {
        "open": [scenario.contract("A-ME", contract_type="OperatingLease") for _ in range(60)],
        "closed": [scenario.contract("A-ME", state="terminated", contract_type="OperatingLease") for _ in range(3)],
        "loan": [scenario.contract("A-OTHER", contract_type="Loan", extra_roles=[("A-ME", "Guarantor")])],
        "lines": [scenario.line_of_credit("A-ME", "5000.00", "1250.00"), scenario.line_of_credit("A-ME", "10.00", "0")],
    }
    scenario.close()
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(scenario.path))
    wiring = SyncWiring.from_env()
    wiring.sites.put_site(Site(site_id="summit", display_name="Summit", is_default=True))
    assert wiring.engine().run("incremental")["status"] == "succeeded"
    return ids


def test_linked_contract_ids_page_by_listing_after_a_position(synced: dict[str, list[str]]) -> None:
    reader = Wiring.from_env().contracts
    everything = sorted(synced["open"] + synced["loan"])
    first = reader.linked_contract_ids("summit", ["A-ME", "A-OTHER"], "open", None, 26)
    assert first == everything[:26]
    after = reader.linked_contract_ids("summit", ["A-ME", "A-OTHER"], "open", first[24], 26)
    assert after == everything[25:51]
    assert reader.linked_contract_ids("summit", ["A-ME"], "closed", None, 100) == synced["closed"]
    assert reader.linked_contract_ids("summit", ["A-ME", "bad#id"], "closed", None, 100) == synced["closed"]


def test_read_contracts_splits_batches_at_100_keys_and_brings_the_sync_runs(synced: dict[str, list[str]]) -> None:
    reader = Wiring.from_env().contracts
    # 61 contracts with their financials and the 3 LAST_SUCCESS keys: 125 keys, over DynamoDB's 100 per request
    wanted = synced["open"] + synced["loan"]
    batch = reader.read_contracts("summit", wanted, financials=True)
    assert set(batch.contracts) == set(batch.financials) == set(wanted)
    assert batch.financials[synced["loan"][0]].contract_type == "Loan"
    assert [run.job for run in batch.runs] == ["incremental"]
    assert batch.contracts[synced["loan"][0]].facts.granting_roles_of("A-ME") == {"Guarantor"}


def test_rows_of_one_contract_and_of_the_linked_accounts(synced: dict[str, list[str]]) -> None:
    reader = Wiring.from_env().contracts
    loan = synced["loan"][0]
    rows, more = reader.amortization("summit", loan, 0, 5)
    assert [r.payment_number for r in rows] == [1, 2, 3, 4, 5] and more
    rest, more = reader.amortization("summit", loan, 5, 100)
    assert rest[0].payment_number == 6 and not more
    every = reader.invoices("summit", loan, open_only=False)
    assert {i.invoice_id for i in reader.invoices("summit", loan, open_only=True)} == {
        i.invoice_id for i in every if i.is_open
    }
    assert reader.assets("summit", loan) and all(a.serial_number for a in reader.assets("summit", loan))
    lines = reader.lines_of_credit("summit", "A-ME")
    assert {line.line_of_credit_id for line in lines} == set(synced["lines"])
    accounts = reader.read_accounts("summit", ["A-ME", "A-NOBODY"])
    assert set(accounts.names) == {"A-ME"} and accounts.runs


def test_the_list_route_on_dynamodb_local(synced: dict[str, list[str]]) -> None:
    app = importlib.reload(importlib.import_module("contracts.app"))
    who = EndUser("summit", "U-1", "S-1", ("A-ME",))
    event = api_event("GET", "/sites/summit/contracts", resource="/sites/{site}/contracts",
                      path_params={"site": "summit"}, query={"limit": "100"}, authorizer=who.context())  # fmt: skip
    response = app.handler(event, LambdaContextStub("contracts"))
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert [c["contract_id"] for c in body["items"]] == sorted(synced["open"] + synced["loan"])
    assert body["next_token"] is None and body["as_of"]
