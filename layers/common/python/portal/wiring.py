"""Adapters for the handlers, built lazily once per Lambda container.

Each function module creates one `Wiring` at import (cold start) and reads adapters from it per request.
Clients are created on first use, so a function never pays for a client it does not call. Endpoints come
from boto3's standard settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`), which is how the local
runtime points the same code at DynamoDB Local and the moto server.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from portal.adapters.aspire.port import AspireSource
from portal.adapters.dynamodb.control import DynamoSiteRepository
from portal.adapters.dynamodb.sync_state import DynamoSyncState
from portal.config import SyncSettings, TableSettings
from portal.services.sync import SyncEngine

_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


class Wiring:
    def __init__(self, settings: TableSettings) -> None:
        self.settings = settings

    @classmethod
    def from_env(cls) -> Wiring:
        return cls(TableSettings.from_env())

    @cached_property
    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", config=_BOTO_CONFIG)

    @cached_property
    def sites(self) -> DynamoSiteRepository:
        return DynamoSiteRepository(self.dynamodb, self.settings.table_control)


class SyncWiring(Wiring):
    """The sync functions' adapters: ASPIRE (SQL Server in AWS, the SQLite demo file locally) and the engine."""

    def __init__(self, settings: SyncSettings) -> None:
        super().__init__(settings)
        self.sync_settings = settings

    @classmethod
    def from_env(cls) -> SyncWiring:
        return cls(SyncSettings.from_env())

    @cached_property
    def aspire(self) -> AspireSource:
        if self.sync_settings.aspire_sqlite_path:
            from portal.adapters.aspire.sqlite import SqliteAspireSource

            return SqliteAspireSource(self.sync_settings.aspire_sqlite_path)
        from portal.adapters.aspire.mssql import MssqlAspireSource

        return MssqlAspireSource(self.sync_settings.aspire_secret_id)

    @cached_property
    def sync_state(self) -> DynamoSyncState:
        return DynamoSyncState(self.dynamodb, self.settings.table_control)

    def engine(self) -> SyncEngine:
        """A new engine per run: it carries the run's write counters and the site map as of the run's start."""
        from portal.services.sites import site_map

        return SyncEngine(self.aspire, self.sync_state, self.dynamodb, self.settings.table_data, site_map(self.sites))

    @cached_property
    def sqs(self) -> Any:
        return boto3.client("sqs", config=_BOTO_CONFIG)
