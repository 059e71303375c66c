"""Request bodies of the payments routes (validated by the resolver: 400 malformed, 422 invalid with fields).

Text fields are `portal.api.fields` types. Numbers that are money arrive as strings or JSON numbers and become
`Decimal` without passing through float; the rules on them (positive, two decimals, the limit) are the
domain's, so they answer with their own codes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portal.api.fields import Id, Name, NoControl

# Digits only: a routing number's checksum is the domain's rule (its 422 names the failed check).
RoutingNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), NoControl]
AccountNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4,17}$"), NoControl]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use, not at cold start


class BankAccountRequest(Body):
    holder_name: Name
    routing_number: RoutingNumber
    account_number: AccountNumber = Field(description="4-17 digits; stored encrypted, shown as its last 4 only.")
    account_type: Literal["checking", "savings"]
    owner_type: Literal["personal", "business"]


class PaymentRequest(Body):
    scope: Literal["contract", "all"]
    contract_id: Id | None = Field(None, description="The contract to pay (scope=contract; ignored for all).")
    bank_account_id: Id
    amount: Decimal = Field(
        description='A decimal string with at most two decimals: "1234.50".', allow_inf_nan=False, max_digits=14
    )
    payment_date: date
