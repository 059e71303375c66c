"""Request and response models of the contracts API, the as_of rule and the site-map cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from portal.domain.contracts import Financials, Invoice, LineOfCredit, SyncRun, synced_as_of
from portal.domain.settings import InstanceSettings, Site
from portal.services.contracts import (
    AmortizationPage,
    ContractListQuery,
    ContractPage,
    ContractSummary,
    InvoiceQuery,
    PageQuery,
)
from portal.services.site_map_cache import SiteMapCache

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


# --- requests ---------------------------------------------------------------------------------------------------
def test_query_defaults_follow_api_md() -> None:
    assert ContractListQuery().model_dump() == {"limit": 25, "next_token": None, "status": "open"}
    assert InvoiceQuery().status == "open"
    assert PageQuery.model_validate({"limit": "100"}).limit == 100


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (PageQuery, {"limit": 0}),
        (PageQuery, {"limit": 101}),
        (ContractListQuery, {"status": "all"}),
        (InvoiceQuery, {"status": "closed"}),
    ],
)
def test_out_of_range_queries_are_refused(model: type[PageQuery], values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(values)


# --- responses --------------------------------------------------------------------------------------------------
def test_money_is_a_two_place_decimal_string_whatever_dynamodb_returns() -> None:
    line = LineOfCredit(
        line_of_credit_id="LOC-1",
        account_id="A-1",
        credit_limit=Decimal("5E+4"),  # DynamoDB normalises numbers
        used_amount=Decimal("1234.5"),
        available_amount=Decimal("48765.50"),
        status="Active",
    )
    assert line.model_dump(mode="json") == {
        "line_of_credit_id": "LOC-1",
        "account_id": "A-1",
        "credit_limit": "50000.00",
        "used_amount": "1234.50",
        "available_amount": "48765.50",
        "status": "Active",
    }
    assert (
        Financials(contract_type="Loan", interest_rate=Decimal("0.0650")).model_dump(mode="json")["interest_rate"]
        == "0.065"
    )


def test_a_contract_page_has_items_next_token_and_as_of() -> None:
    summary = ContractSummary(
        contract_id="C-1", status="open", roles=["Customer"], commencement_date=date(2025, 1, 1),
        maturity_date=date(2029, 1, 1), termination_date=None, payment_amount=Decimal("1000"),
        payment_frequency="Monthly", next_due_date=date(2026, 12, 1), next_due_amount=Decimal("1000"),
        past_due_amount=Decimal("0"),
    )  # fmt: skip
    body = ContractPage(items=[summary], next_token=None, as_of=T0).model_dump(mode="json")
    assert set(body) == {"items", "next_token", "as_of"}
    assert body["as_of"] == "2026-11-21T10:00:00Z"
    assert body["items"][0]["maturity_date"] == "2029-01-01" and body["items"][0]["payment_amount"] == "1000.00"


def test_an_empty_schedule_says_why() -> None:
    reason = "Operating leases have no amortization schedule."
    page = AmortizationPage(
        contract_id="C-1", contract_type="OperatingLease", items=[], reason=reason, next_token=None, as_of=None
    )
    assert page.model_dump(mode="json")["reason"]
    assert not Financials(contract_type="OperatingLease").has_amortization_schedule
    assert Financials(contract_type="CapitalLease").has_amortization_schedule


def test_an_invoice_is_open_by_aspire_status() -> None:
    invoice = Invoice(invoice_id="1", invoice_number="INV-1", amount=Decimal(1), balance=Decimal(1), status="Open")
    assert invoice.is_open and not invoice.model_copy(update={"status": "Paid"}).is_open


# --- as_of ------------------------------------------------------------------------------------------------------
def run(job: str, minutes: int, *, full_resync: bool = False) -> SyncRun:
    start = T0 + timedelta(minutes=minutes)
    return SyncRun(job, start, start + timedelta(minutes=3), full_resync)


def test_nothing_synced_yet_has_no_as_of() -> None:
    assert synced_as_of([], ["incremental"]) is None
    assert synced_as_of([run("incremental", 0)], ["daily"]) is None  # incremental runs never refresh daily data


def test_incremental_data_is_as_of_the_latest_run_of_any_job() -> None:
    runs = [run("incremental", 30), run("daily", 10), run("full", 0)]
    assert synced_as_of(runs, ["incremental"]) == T0 + timedelta(minutes=30)
    # daily and full runs rebuild every field too
    assert synced_as_of([run("incremental", 0), run("daily", 10)], ["incremental"]) == T0 + timedelta(minutes=10)


def test_daily_data_is_as_of_the_latest_daily_full_or_full_resync_run() -> None:
    assert synced_as_of([run("incremental", 30), run("daily", 10)], ["daily"]) == T0 + timedelta(minutes=10)
    assert synced_as_of([run("full", 20), run("daily", 10)], ["daily"]) == T0 + timedelta(minutes=20)
    first = run("incremental", 40, full_resync=True)  # the first run, or a restore, rebuilds everything
    assert synced_as_of([first, run("daily", 10)], ["daily"]) == T0 + timedelta(minutes=40)


def test_mixed_data_is_as_old_as_its_oldest_part() -> None:
    runs = [run("incremental", 30), run("daily", 10)]
    assert synced_as_of(runs, ["incremental", "daily"]) == T0 + timedelta(minutes=10)


# --- site map cache ---------------------------------------------------------------------------------------------
class CountingSites:
    def __init__(self) -> None:
        self.loads = 0
        self.sites = [Site(site_id="summit", display_name="Summit", is_default=True)]

    def get_site_and_settings(self, site_id: str) -> tuple[Site | None, InstanceSettings]:
        raise AssertionError("not used")

    def list_sites(self) -> list[Site]:
        self.loads += 1
        return list(self.sites)


def test_the_site_map_is_loaded_once_per_ttl() -> None:
    now = [0.0]
    sites = CountingSites()
    cache = SiteMapCache(sites, ttl_s=180, clock=lambda: now[0])
    assert cache.get().default_site == "summit" and sites.loads == 1
    now[0] = 179.0
    cache.get()
    assert sites.loads == 1
    # When the TTL has passed, a changed mapping is picked up
    sites.sites = [Site(site_id="harvest", display_name="Harvest", is_default=True)]
    now[0] = 180.0
    assert cache.get().default_site == "harvest" and sites.loads == 2
