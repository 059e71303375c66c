"""What an end user reads about their contracts, and how fresh it is (PRODUCT.md §2 and §3).

The read models here are what the contracts reader returns and what the API shows (money as decimal strings
with two places, dates as YYYY-MM-DD). Whether a contract may be shown at all is `visibility.contract_visible_to`;
how fresh the synced data is, is `synced_as_of`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer

from portal.domain.facts import ContractFacts

__all__ = [
    "AmortizationRow",
    "Asset",
    "Cadence",
    "ContractRecord",
    "Financials",
    "Invoice",
    "LineOfCredit",
    "Money",
    "Rate",
    "SyncRun",
    "synced_as_of",
]

CENT = Decimal("0.01")

# DynamoDB hands numbers back normalised ("1000" for "1000.00"); API.md wants money as "1000.00".
Money = Annotated[Decimal, PlainSerializer(lambda value: str(value.quantize(CENT)), return_type=str)]
# Rates keep their precision ("0.065"), without exponent notation.
Rate = Annotated[Decimal, PlainSerializer(lambda value: format(value.normalize(), "f"), return_type=str)]

Cadence = Literal["incremental", "daily"]
OPERATING_LEASE = "OperatingLease"


class _ReadModel(BaseModel):
    # Built on first use: the contracts function's cold start pays only for the models its first request needs.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class Asset(_ReadModel):
    asset_id: str
    description: str
    manufacturer: str | None = None
    model: str | None = None
    model_year: int | None = None
    serial_number: str | None = None


class Invoice(_ReadModel):
    invoice_id: str
    invoice_number: str
    invoice_date: date | None = None
    due_date: date | None = None
    amount: Money
    balance: Money
    status: str  # "Open" | "Paid", as ASPIRE spells it

    @property
    def is_open(self) -> bool:
        return self.status.strip().casefold() == "open"


class AmortizationRow(_ReadModel):
    payment_number: int
    due_date: date | None = None
    payment_amount: Money
    principal: Money
    interest: Money
    ending_balance: Money


class LineOfCredit(_ReadModel):
    line_of_credit_id: str
    account_id: str
    credit_limit: Money
    used_amount: Money
    available_amount: Money
    status: str  # "Active" | "Closed"


class Financials(_ReadModel):
    """The daily-synced figures of one contract."""

    contract_type: str  # OperatingLease | CapitalLease | Loan
    original_cost: Money | None = None
    financed_amount: Money | None = None
    principal_balance: Money | None = None
    interest_rate: Rate | None = None
    principal_paid_to_date: Money | None = None
    interest_paid_to_date: Money | None = None
    payoff_amount: Money | None = None

    @property
    def has_amortization_schedule(self) -> bool:
        """Operating leases have no amortization schedule (PRODUCT.md §3)."""
        return self.contract_type != OPERATING_LEASE


@dataclass(frozen=True)
class ContractRecord:
    """One synced contract: the facts the visibility rule needs and the incremental fields shown to users."""

    facts: ContractFacts
    commencement_date: date | None = None
    maturity_date: date | None = None
    termination_date: date | None = None
    term_months: int | None = None
    payment_amount: Decimal | None = None
    payment_frequency: str | None = None
    next_due_date: date | None = None
    next_due_amount: Decimal | None = None
    past_due_amount: Decimal | None = None

    @property
    def contract_id(self) -> str:
        return self.facts.contract_id


@dataclass(frozen=True)
class SyncRun:
    """The last successful run of one sync job ("incremental", "daily" or "full")."""

    job: str
    started_at: datetime
    ended_at: datetime
    full_resync: bool = False

    def refreshed(self, cadence: Cadence) -> bool:
        """Did this run rebuild the fields of ``cadence``?

        Daily and full runs rebuild every field of every contract and account; an incremental run rebuilds the
        incremental fields, and everything when it ran as a full resync (first run, or after a restore).
        """
        if self.job in ("daily", "full") or self.full_resync:
            return True
        return self.job == "incremental" and cadence == "incremental"


def synced_as_of(runs: Iterable[SyncRun], cadences: Iterable[Cadence]) -> datetime | None:
    """When data of ``cadences`` was last synced from ASPIRE; None when some of it never was.

    Per cadence it is the *start* of the latest successful run that rebuilt it: a run reads ASPIRE's changes up
    to the moment it starts, so its data is at least that fresh (its end would claim up to a run's duration of
    freshness it may not have). Data of several cadences is as old as its oldest part.
    """
    known = list(runs)
    times: list[datetime] = []
    for cadence in set(cadences):
        starts = [run.started_at for run in known if run.refreshed(cadence)]
        if not starts:
            return None
        times.append(max(starts))
    return min(times) if times else None
