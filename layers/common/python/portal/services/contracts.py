"""What a signed-in end user reads about their contracts (PRODUCT.md §2, API.md contract routes).

Keys come only from the verified principal: its site and linked accounts. Synced link items only propose
candidates; every contract shown passes `contract_visible_to` (booked; a linked account holds Customer or
Guarantor; its label maps to this site) with the site map cached per container. A contract the user may not see
answers exactly like one that does not exist. Every response carries `as_of`: when its data was last synced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from portal.domain.contracts import (
    AmortizationRow,
    Asset,
    ContractRecord,
    Invoice,
    LineOfCredit,
    Money,
    Rate,
    synced_as_of,
)
from portal.domain.errors import NotFound
from portal.domain.principal import EndUser
from portal.domain.sites import SiteMap
from portal.domain.visibility import Listing, contract_listing, contract_visible_to
from portal.ports import ContractBatch, ContractReader
from portal.services.pagination import (
    PageScope,
    decode_page_token,
    encode_page_token,
    int_position,
    pair_position,
    text_position,
)

DEFAULT_PAGE = 25
MAX_PAGE = 100
OPERATING_LEASE_REASON = "Operating leases have no amortization schedule."
SiteMaps = Callable[[], SiteMap]
_T = TypeVar("_T")


# --- requests ---------------------------------------------------------------------------------------------------
class PageQuery(BaseModel):
    # defer_build: validators are built on first use, not at cold start (see portal/domain/contracts.py).
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Items per page, 1-100.")
    next_token: str | None = Field(None, description="The `next_token` of the previous page.")


class ContractListQuery(PageQuery):
    status: Listing = Field("open", description="open: active contracts; closed: terminated ones.")


class InvoiceQuery(PageQuery):
    status: Literal["open", "all"] = Field("open", description="open: unpaid invoices only; all: paid ones too.")


# --- responses --------------------------------------------------------------------------------------------------
class _Response(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, like the queries


class ContractSummary(_Response):
    contract_id: str
    status: Listing
    roles: list[str] = Field(description="Customer and/or Guarantor: what the user's linked accounts hold.")
    commencement_date: date | None
    maturity_date: date | None
    termination_date: date | None
    payment_amount: Money | None
    payment_frequency: str | None
    next_due_date: date | None
    next_due_amount: Money | None
    past_due_amount: Money | None


class Balances(_Response):
    principal_balance: Money | None
    past_due_amount: Money | None
    payoff_amount: Money | None
    original_cost: Money | None
    financed_amount: Money | None
    principal_paid_to_date: Money | None
    interest_paid_to_date: Money | None


class ContractDetail(ContractSummary):
    contract_type: str | None = Field(description="OperatingLease, CapitalLease or Loan (null until synced).")
    term_months: int | None
    interest_rate: Rate | None
    balances: Balances
    assets: list[Asset]
    as_of: datetime | None = Field(description="When this data was last synced (its oldest part); null: never.")


class ContractPage(_Response):
    items: list[ContractSummary]
    next_token: str | None
    as_of: datetime | None


class InvoicePage(_Response):
    contract_id: str
    items: list[Invoice]
    next_token: str | None
    as_of: datetime | None


class AmortizationPage(_Response):
    contract_id: str
    contract_type: str | None
    items: list[AmortizationRow]
    reason: str | None = Field(description="Why the schedule is empty, when it is by nature (operating leases).")
    next_token: str | None
    as_of: datetime | None


class LineOfCreditView(LineOfCredit):
    account_name: str


class LineOfCreditPage(_Response):
    items: list[LineOfCreditView]
    next_token: str | None
    as_of: datetime | None


# --- use cases --------------------------------------------------------------------------------------------------
def list_contracts(
    principal: EndUser, query: ContractListQuery, reader: ContractReader, site_maps: SiteMaps
) -> ContractPage:
    """One Query per linked account for the candidate ids, one BatchGetItem for the page's contracts and as_of."""
    scope = _scope(principal, f"contracts?status={query.status}")
    after = decode_page_token(query.next_token, scope, text_position) if query.next_token else None
    candidates = reader.linked_contract_ids(
        principal.site_id, principal.account_ids, query.status, after, query.limit + 1
    )
    page = candidates[: query.limit]
    batch = reader.read_contracts(principal.site_id, page, financials=False)
    site_map = site_maps() if batch.contracts else None
    items = [
        _summary(record, principal)
        for contract_id in page
        if (record := batch.contracts.get(contract_id)) is not None
        and site_map is not None
        and contract_visible_to(record.facts, principal.account_ids, principal.site_id, site_map).ok
        and contract_listing(record.facts) == query.status
    ]
    more = len(candidates) > query.limit
    return ContractPage(
        items=items,
        next_token=encode_page_token(page[-1], scope) if more else None,
        as_of=synced_as_of(batch.runs, ("incremental",)),
    )


def contract_details(
    principal: EndUser, contract_id: str, reader: ContractReader, site_maps: SiteMaps
) -> ContractDetail:
    record, batch = _visible_contract(principal, contract_id, reader, site_maps, financials=True)
    figures = batch.financials.get(contract_id)
    summary = _summary(record, principal)
    return ContractDetail(
        **summary.model_dump(),
        contract_type=figures.contract_type if figures else None,
        term_months=record.term_months,
        interest_rate=figures.interest_rate if figures else None,
        balances=Balances(
            principal_balance=figures.principal_balance if figures else None,
            past_due_amount=record.past_due_amount,
            payoff_amount=figures.payoff_amount if figures else None,
            original_cost=figures.original_cost if figures else None,
            financed_amount=figures.financed_amount if figures else None,
            principal_paid_to_date=figures.principal_paid_to_date if figures else None,
            interest_paid_to_date=figures.interest_paid_to_date if figures else None,
        ),
        assets=sorted(reader.assets(principal.site_id, contract_id), key=lambda a: (len(a.asset_id), a.asset_id)),
        as_of=synced_as_of(batch.runs, ("incremental", "daily")),
    )


def contract_invoices(
    principal: EndUser, contract_id: str, query: InvoiceQuery, reader: ContractReader, site_maps: SiteMaps
) -> InvoicePage:
    """Newest due date first; a contract's invoices are few, so one Query reads them all and pages in memory."""
    scope = _scope(principal, f"contracts/{contract_id}/invoices?status={query.status}")
    after = decode_page_token(query.next_token, scope, pair_position) if query.next_token else None
    _, batch = _visible_contract(principal, contract_id, reader, site_maps, financials=False)
    invoices = reader.invoices(principal.site_id, contract_id, open_only=query.status == "open")
    page, position = _page(invoices, _invoice_order, after, query.limit, newest_first=True)
    return InvoicePage(
        contract_id=contract_id,
        items=page,
        next_token=encode_page_token(position, scope) if position else None,
        as_of=synced_as_of(batch.runs, ("incremental",)),
    )


def contract_amortization(
    principal: EndUser, contract_id: str, query: PageQuery, reader: ContractReader, site_maps: SiteMaps
) -> AmortizationPage:
    scope = _scope(principal, f"contracts/{contract_id}/amortization")
    after = decode_page_token(query.next_token, scope, int_position) if query.next_token else 0
    _, batch = _visible_contract(principal, contract_id, reader, site_maps, financials=True)
    figures = batch.financials.get(contract_id)
    as_of = synced_as_of(batch.runs, ("daily",))
    contract_type = figures.contract_type if figures else None
    if figures is not None and not figures.has_amortization_schedule:
        return AmortizationPage(contract_id=contract_id, contract_type=contract_type, items=[],
                                reason=OPERATING_LEASE_REASON, next_token=None, as_of=as_of)  # fmt: skip
    rows, more = reader.amortization(principal.site_id, contract_id, after, query.limit)
    return AmortizationPage(
        contract_id=contract_id,
        contract_type=contract_type,
        items=rows,
        reason=None,
        next_token=encode_page_token(rows[-1].payment_number, scope) if more and rows else None,
        as_of=as_of,
    )


def lines_of_credit(principal: EndUser, query: PageQuery, reader: ContractReader) -> LineOfCreditPage:
    """The lines of credit of the user's linked accounts on this site: one BatchGetItem (account names, as_of)
    and one Query per linked account found on the site."""
    scope = _scope(principal, "lines-of-credit")
    after = decode_page_token(query.next_token, scope, pair_position) if query.next_token else None
    accounts = sorted(set(principal.account_ids))
    batch = reader.read_accounts(principal.site_id, accounts)
    lines = [
        LineOfCreditView(**line.model_dump(), account_name=batch.names[account_id])
        for account_id in accounts
        if account_id in batch.names
        for line in reader.lines_of_credit(principal.site_id, account_id)
    ]
    page, position = _page(lines, lambda line: (line.account_id, line.line_of_credit_id), after, query.limit)
    return LineOfCreditPage(
        items=page,
        next_token=encode_page_token(position, scope) if position else None,
        as_of=synced_as_of(batch.runs, ("daily",)),
    )


# --- helpers ----------------------------------------------------------------------------------------------------
def _scope(principal: EndUser, listing: str) -> PageScope:
    return PageScope(principal.site_id, principal.user_id, principal.session_id, listing)


def _visible_contract(
    principal: EndUser, contract_id: str, reader: ContractReader, site_maps: SiteMaps, *, financials: bool
) -> tuple[ContractRecord, ContractBatch]:
    """The contract if the user may see it; NotFound, identical to a missing contract, if not."""
    batch = reader.read_contracts(principal.site_id, [contract_id], financials=financials)
    record = batch.contracts.get(contract_id)
    if (
        record is None
        or not contract_visible_to(record.facts, principal.account_ids, principal.site_id, site_maps()).ok
    ):
        raise NotFound("There is no such contract.", code="contract_not_found")
    return record, batch


def _summary(record: ContractRecord, principal: EndUser) -> ContractSummary:
    roles: set[str] = set()
    for account_id in principal.account_ids:
        roles |= record.facts.granting_roles_of(account_id)
    return ContractSummary(
        contract_id=record.contract_id,
        status=contract_listing(record.facts),
        roles=sorted(roles),
        commencement_date=record.commencement_date,
        maturity_date=record.maturity_date,
        termination_date=record.termination_date,
        payment_amount=record.payment_amount,
        payment_frequency=record.payment_frequency,
        next_due_date=record.next_due_date,
        next_due_amount=record.next_due_amount,
        past_due_amount=record.past_due_amount,
    )


def _invoice_order(invoice: Invoice) -> tuple[str, str]:
    return (invoice.due_date.isoformat() if invoice.due_date else "", invoice.invoice_id.zfill(20))


def _page(
    items: Iterable[_T],
    order: Callable[[_T], tuple[str, str]],
    after: tuple[str, str] | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> tuple[list[_T], tuple[str, str] | None]:
    """One page of an in-memory list in a stable order, and the position of its last item if more follow."""
    ordered = sorted(items, key=order, reverse=newest_first)
    if after is not None:
        ordered = [i for i in ordered if (order(i) < after if newest_first else order(i) > after)]
    page = ordered[:limit]
    return page, order(page[-1]) if len(ordered) > limit else None


__all__ = [
    "AmortizationPage",
    "ContractDetail",
    "ContractListQuery",
    "ContractPage",
    "InvoicePage",
    "InvoiceQuery",
    "LineOfCreditPage",
    "PageQuery",
    "contract_amortization",
    "contract_details",
    "contract_invoices",
    "lines_of_credit",
    "list_contracts",
]
