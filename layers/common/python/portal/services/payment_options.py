"""What a signed-in user owes, per visible active contract (PRODUCT.md §5, `GET /payments/options`).

The same computation decides `POST /payments`: a contract can be paid only when it is listed here, and
`scope=all` must pay exactly the total shown here. Keys come from the verified principal; every contract
passes `contract_visible_to` and must be active (booked, not terminated).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from portal.domain.contracts import Money
from portal.domain.principal import EndUser
from portal.domain.visibility import contract_visible_to

if TYPE_CHECKING:  # annotations only: not imported at a cold start
    from portal.domain.sites import SiteMap
    from portal.ports import ContractReader

MAX_CONTRACTS = 500  # a borrower with more active contracts than this pays through the finance company


class _Answer(BaseModel):
    # defer_build: built on first use (the first options or payment request), not at cold start.
    model_config = ConfigDict(defer_build=True)


class OpenInvoice(_Answer):
    invoice_id: str
    invoice_number: str
    due_date: date | None
    balance: Money


class ContractOption(_Answer):
    contract_id: str
    account_id: str  # the user's linked account that holds the contract (Customer first): ASPIRE's EFT account
    open_invoices: list[OpenInvoice]
    open_amount: Money


class PaymentOptions(_Answer):
    contracts: list[ContractOption]
    total_open: Money


def payable_contracts(
    principal: EndUser, reader: ContractReader, site_maps: Callable[[], SiteMap], only: str | None = None
) -> list[tuple[str, str]]:
    """(contract id, the account that pays it) of each visible active contract, in contract id order; with `only`,
    that contract alone if it is one of them. Reads the user's links and the contracts, no invoices."""
    ids = reader.linked_contract_ids(principal.site_id, principal.account_ids, "open", None, MAX_CONTRACTS)
    if only is not None:
        ids = [contract_id for contract_id in ids if contract_id == only]
    batch = reader.read_contracts(principal.site_id, ids, financials=False) if ids else None
    if batch is None or not batch.contracts:
        return []
    site_map = site_maps()
    payable: list[tuple[str, str]] = []
    for contract_id in sorted(batch.contracts):
        facts = batch.contracts[contract_id].facts
        if not facts.active or not contract_visible_to(facts, principal.account_ids, principal.site_id, site_map).ok:
            continue
        holders = [a for a in principal.account_ids if facts.granting_roles_of(a)]
        payable.append(
            (contract_id, next((a for a in holders if "Customer" in facts.granting_roles_of(a)), holders[0]))
        )
    return payable


def payment_options(principal: EndUser, reader: ContractReader, site_maps: Callable[[], SiteMap]) -> PaymentOptions:
    options: list[ContractOption] = []
    for contract_id, account_id in payable_contracts(principal, reader, site_maps):
        invoices = sorted(
            (i for i in reader.invoices(principal.site_id, contract_id, open_only=True) if i.is_open and i.balance > 0),
            key=lambda i: (i.due_date or date.max, i.invoice_id),
        )
        open_amount = sum((i.balance for i in invoices), Decimal("0.00"))
        options.append(
            ContractOption(
                contract_id=contract_id,
                account_id=account_id,
                open_invoices=[
                    OpenInvoice(
                        invoice_id=i.invoice_id, invoice_number=i.invoice_number, due_date=i.due_date, balance=i.balance
                    )
                    for i in invoices
                ],
                open_amount=open_amount,
            )
        )
    return PaymentOptions(contracts=options, total_open=sum((o.open_amount for o in options), Decimal("0.00")))
