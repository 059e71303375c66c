"""Adapters for the handlers, built lazily once per Lambda container.

Each function module creates one `Wiring` at import (cold start) and reads adapters from it per request.
`from_env` validates the settings model of the function the container runs (`portal.config.FUNCTION_SETTINGS`)
right there, so a missing variable stops the cold start instead of a request. Clients are created on first
use, so a function never pays for a client it does not call. Endpoints come
from boto3's standard settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`), which is how the local
runtime points the same code at DynamoDB Local and the moto server.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from portal.adapters.dynamodb.control import DynamoSiteRepository
from portal.config import (
    FUNCTION_SETTINGS,
    IdentitySettings,
    PaymentsSettings,
    SyncSettings,
    TableSettings,
    running_function,
)

if TYPE_CHECKING:
    # The sync's modules load only in the sync functions: API functions never pay for them at cold start.
    from portal.adapters.aspire.port import AspireSource
    from portal.adapters.dynamodb.contracts import DynamoContractReader
    from portal.adapters.dynamodb.identity import DynamoIdentityStore
    from portal.adapters.dynamodb.sync_state import ChunkProgress, DynamoSyncState
    from portal.services.identity.clock import Clock
    from portal.services.identity.ports import CustomerSync
    from portal.services.identity.service import Identity
    from portal.services.identity.sessions import SessionService
    from portal.services.payments import PaymentsContext
    from portal.services.site_map_cache import SiteMapCache
    from portal.services.sync import ChunkDispatcher, SyncEngine

_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


class Wiring:
    def __init__(self, settings: TableSettings) -> None:
        self.settings = settings

    @classmethod
    def from_env(cls, model: type[TableSettings] | None = None) -> Wiring:
        """The wiring of this container, its settings validated now (cold start).

        In Lambda the model is the running function's (`_HANDLER`): `meta` imports `login`'s module, and
        must not need `login`'s variables for it. Outside Lambda (the local runtime serves every function
        from one process, tests, tools) the tables; the sign-in settings load on first use there."""
        function = running_function()
        return cls((model or (FUNCTION_SETTINGS[function] if function else TableSettings)).load())

    @cached_property
    def sqs(self) -> Any:
        return boto3.client("sqs", config=_BOTO_CONFIG)

    @cached_property
    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", config=_BOTO_CONFIG)

    @cached_property
    def sites(self) -> DynamoSiteRepository:
        return DynamoSiteRepository(self.dynamodb, self.settings.table_control)

    # --- end-user sign-in (login and authorizer functions) ------------------------------------------------------
    @cached_property
    def clock(self) -> Clock:
        from portal.services.identity.clock import system_clock

        return system_clock

    @cached_property
    def identity_settings(self) -> IdentitySettings:
        if isinstance(self.settings, IdentitySettings):
            return self.settings
        return IdentitySettings.load()  # a function (or a local process) that loaded a smaller model

    @cached_property
    def identity_store(self) -> DynamoIdentityStore:
        from portal.adapters.dynamodb.identity import DynamoIdentityStore

        return DynamoIdentityStore(self.dynamodb, self.settings.table_identity)

    @cached_property
    def sessions(self) -> SessionService:
        from portal.services.identity.sessions import SessionService

        return SessionService(self.identity_store, self.clock)

    @cached_property
    def identity(self) -> Identity:
        from portal.adapters.dynamodb.customer_records import DynamoCustomerRecords
        from portal.adapters.kms import KmsCipher
        from portal.adapters.ses import SesMailer
        from portal.services.identity.service import build_identity

        config = self.identity_settings
        return build_identity(
            store=self.identity_store,
            sites=self.sites,
            mailer=SesMailer(
                boto3.client("sesv2", config=_BOTO_CONFIG),
                config.sender_email,
                configuration_set=config.ses_configuration_set,
                outbox_dir=config.outbox_dir or None,
            ),
            cipher=KmsCipher(boto3.client("kms", config=_BOTO_CONFIG), config.kms_key_id),
            records=DynamoCustomerRecords(self.dynamodb, self.settings.table_data),
            customer_sync=self.customer_sync,
            clock=self.clock,
            web_base_url=config.web_base_url,
            sessions=self.sessions,
        )

    @cached_property
    def customer_sync(self) -> CustomerSync:
        """Queued for `sync_worker` where a queue is configured (AWS: the API functions cannot reach
        ASPIRE), else run in-process against the sync wiring (laptop)."""
        queue_url = self.identity_settings.sync_chunk_queue_url
        if queue_url:
            from portal.adapters.sqs import SqsCustomerSync

            return SqsCustomerSync(self.sqs, queue_url)
        from portal.services.customer_sync import InProcessCustomerSync

        return InProcessCustomerSync(lambda: self.sync_wiring.engine())

    @cached_property
    def sync_wiring(self) -> SyncWiring:
        return self if isinstance(self, SyncWiring) else SyncWiring(SyncSettings.load())

    @cached_property
    def site_maps(self) -> SiteMapCache:
        """The site <-> label map, loaded again after a few minutes (one Query on a miss)."""
        from portal.services.site_map_cache import SiteMapCache

        return SiteMapCache(self.sites)

    @cached_property
    def contracts(self) -> DynamoContractReader:
        from portal.adapters.dynamodb.contracts import DynamoContractReader

        return DynamoContractReader(self.dynamodb, self.settings.table_data, self.settings.table_control)

    # --- payments (PRODUCT.md §5) --------------------------------------------------------------------------------
    # The Lambda context of the request being served (the payments handler sets it): Powertools idempotency
    # gives an in-progress record the request's remaining time, so a crashed request does not hold its key.
    lambda_context: Any = None

    @cached_property
    def payments_settings(self) -> PaymentsSettings:
        if isinstance(self.settings, PaymentsSettings):
            return self.settings
        return PaymentsSettings.load()

    @cached_property
    def payments(self) -> PaymentsContext:
        from portal.adapters.dynamodb.payments import DynamoPayments
        from portal.adapters.kms import KmsCipher
        from portal.adapters.secrets import FingerprintKey
        from portal.adapters.sqs import SqsPaymentAnnouncer
        from portal.services.payments import PaymentsContext, powertools_idempotent

        config = self.payments_settings
        return PaymentsContext(
            store=DynamoPayments(self.dynamodb, config.table_payments, config.table_data),
            contracts=self.contracts,
            site_maps=self.site_maps.get,
            cipher=KmsCipher(boto3.client("kms", config=_BOTO_CONFIG), config.kms_key_id),
            fingerprint_key=FingerprintKey(config.fingerprint_secret_id),
            announce=SqsPaymentAnnouncer(self.sqs, config.payments_queue_url),
            notify=self._notify_user,
            clock=lambda: self.clock(),
            idempotent=powertools_idempotent(self.dynamodb, config.table_payments, lambda: self.lambda_context),
        )

    def _notify_user(self, site_id: str, user_id: str, build: Any) -> None:
        """Mails a user through the identity delivery, so the email is recorded like every other one."""
        ctx = self.identity.ctx
        user = ctx.store.get_user(site_id, user_id)
        if user is not None:
            ctx.deliver(site_id, build(user.user.email, ctx.branding(site_id)))


class SyncWiring(Wiring):
    """The sync functions' adapters: ASPIRE (SQL Server in AWS, the SQLite demo file locally) and the engine."""

    def __init__(self, settings: SyncSettings) -> None:
        super().__init__(settings)
        self.sync_settings = settings

    @classmethod
    def from_env(cls, model: type[TableSettings] | None = None) -> SyncWiring:
        settings = (model or SyncSettings).load()
        if not isinstance(settings, SyncSettings):
            raise TypeError(f"the sync functions load SyncSettings, not {type(settings).__name__}")
        return cls(settings)

    @cached_property
    def aspire(self) -> AspireSource:
        if self.sync_settings.aspire_sqlite_path:
            from portal.adapters.aspire.sqlite import SqliteAspireSource

            return SqliteAspireSource(self.sync_settings.aspire_sqlite_path)
        from portal.adapters.aspire.mssql import MssqlAspireSource

        return MssqlAspireSource(self.sync_settings.aspire_secret_id)

    @cached_property
    def sync_state(self) -> DynamoSyncState:
        from portal.adapters.dynamodb.sync_state import DynamoSyncState

        return DynamoSyncState(self.dynamodb, self.settings.table_control)

    def engine(self) -> SyncEngine:
        """A new engine per run: it carries the run's write counters and the site map as of the run's start."""
        from portal.services.sites import site_map
        from portal.services.sync import SyncEngine

        return SyncEngine(self.aspire, self.sync_state, self.dynamodb, self.settings.table_data, site_map(self.sites))

    @cached_property
    def chunk_dispatcher(self) -> ChunkDispatcher:
        """The daily run's chunks: onto the queue for parallel workers (AWS), or processed by the run itself."""
        from portal.services.sync import IN_PROCESS

        queue_url = self.sync_settings.sync_chunk_queue_url
        if not queue_url:
            return IN_PROCESS
        from portal.adapters.sqs import SqsChunkDispatcher

        return SqsChunkDispatcher(self.sqs, queue_url)

    @cached_property
    def chunk_progress(self) -> ChunkProgress:
        from portal.adapters.dynamodb.sync_state import ChunkProgress

        return ChunkProgress(self.dynamodb, self.settings.table_control)
