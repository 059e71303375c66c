"""Query models of the admin read routes (accounts, diagnostics): bounded, control-character-free fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portal.api.fields import Email, Id, Name, Token


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AccountSearchQuery(Query):
    q: Name = Field(description="Words of the account name (phonetic) or the start of the account number.")
    limit: int = Field(25, ge=1, le=100, description="Linkable accounts per page, 1-100.")
    next_token: Token | None = Field(None, description="The `next_token` of the previous page.")


class LinkedUsersQuery(Query):
    status: Literal["Pending", "Active", "Inactive"] | None = Field(None, description="Only users in this status.")


class ContractVisibilityQuery(Query):
    user_id: Id
    contract_id: Id


class AccountLinkabilityQuery(Query):
    account_id: Id


class EnrollmentQuery(Query):
    email: Email
