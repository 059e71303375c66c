"""Settings: one pydantic model per function, validated once at cold start from the environment.

Only names and non-secret switches come from environment variables; secrets (ASPIRE credentials, token
keys) are fetched from Secrets Manager / SSM by name through Powertools parameters (cached).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if env is None else env))


class TableSettings(Settings):
    table_data: str = Field(alias="TABLE_DATA")
    table_identity: str = Field(alias="TABLE_IDENTITY")
    table_payments: str = Field(alias="TABLE_PAYMENTS")
    table_control: str = Field(alias="TABLE_CONTROL")


class ApiSettings(TableSettings):
    """What every API function needs."""


class SyncSettings(TableSettings):
    aspire_secret_id: str = Field("", alias="ASPIRE_SECRET_ID")
    # Local/test only: the SQLite demo database standing in for ASPIRE. Unset in AWS.
    aspire_sqlite_path: str = Field("", alias="ASPIRE_SQLITE_PATH")
    # SQS queue of daily-sync chunks (AWS); unset locally, where the chunks run in-process.
    sync_chunk_queue_url: str = Field("", alias="SYNC_CHUNK_QUEUE_URL")


def table_env(prefix: str) -> dict[str, str]:
    """Environment naming the physical tables for a table-name prefix (local runtime, tests)."""
    from portal.adapters.dynamodb.tables import TABLES

    return {t.env_var(): t.physical_name(prefix) for t in TABLES}
