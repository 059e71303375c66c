"""Adapters for the handlers, built lazily once per Lambda container.

Each function module creates one `Wiring` at import (cold start) and reads adapters from it per request.
`from_env` validates the settings model of the function the container runs (`portal.config.FUNCTION_SETTINGS`)
right there, so a missing variable stops the cold start instead of a request. Clients are created on first
use, so a function never pays for a client it does not call. Endpoints come
from boto3's standard settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`), which is how the local
runtime points the same code at DynamoDB Local and the moto server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from portal.adapters.dynamodb.control import DynamoSiteRepository
from portal.config import (
    FUNCTION_SETTINGS,
    IdentitySettings,
    PaymentsSettings,
    PaymentsWriterSettings,
    SettingsError,
    SyncSettings,
    TableSettings,
    running_function,
)

if TYPE_CHECKING:
    # The sync's modules load only in the sync functions: API functions never pay for them at cold start.
    from portal.adapters.aspire.port import AspireSource
    from portal.adapters.dynamodb.account_index import DynamoAccountIndex
    from portal.adapters.dynamodb.contracts import DynamoContractReader
    from portal.adapters.dynamodb.diagnostics import DynamoDiagnosticsReader
    from portal.adapters.dynamodb.identity import DynamoIdentityStore
    from portal.adapters.dynamodb.mail_log import DynamoMailLog
    from portal.adapters.dynamodb.payment_ledger import DynamoPaymentLedger
    from portal.adapters.dynamodb.sync_state import ChunkProgress, DynamoSyncState
    from portal.services.admin_audit import AuditLog
    from portal.services.admin_sites import AdminSites
    from portal.services.admin_sync import AdminSync
    from portal.services.admin_users import AdminUsers
    from portal.services.identity.clock import Clock
    from portal.services.identity.ports import CustomerSync
    from portal.services.identity.service import Identity
    from portal.services.identity.sessions import SessionService
    from portal.services.linkability_facts import Linkability
    from portal.services.payment_emails import Notify
    from portal.services.payment_writer import PaymentReadBack, PaymentSweep, PaymentWriter
    from portal.services.payments import PaymentsContext
    from portal.services.site_map_cache import SiteMapCache
    from portal.services.sync import ChunkDispatcher, PaymentFollowUp, SyncEngine

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

    # --- admin API (issue #10): sites, settings, users, sync status, audit log ---------------------------------
    @cached_property
    def admin_sites(self) -> AdminSites:
        from portal.services.admin_sites import AdminSites

        return AdminSites(self.dynamodb, self.settings.table_control, self.sites, self.clock)

    @cached_property
    def admin_users(self) -> AdminUsers:
        from portal.adapters.dynamodb.customer_records import DynamoCustomerRecords
        from portal.services.admin_users import AdminUsers

        return AdminUsers(
            self.identity,
            self.identity_store,
            self.sites,
            DynamoCustomerRecords(self.dynamodb, self.settings.table_data),
            self.linkability_facts,
            self.customer_sync,
            self.dynamodb,
            self.settings.table_control,
            self.clock,
        )

    @cached_property
    def linkability_facts(self) -> Linkability:
        """`linkability(site_id, account_id) -> Verdict` over the synced data (users, accounts, diagnostics)."""
        from portal.services.linkability_facts import Linkability

        return Linkability(self.account_index, self.site_maps.get)

    @cached_property
    def admin_sync(self) -> AdminSync:
        from portal.adapters.dynamodb.sync_state import DynamoSyncState
        from portal.services.admin_sync import AdminSync, QueuedFullSync, ThreadFullSync

        queue_url = self.identity_settings.sync_chunk_queue_url
        start = QueuedFullSync(self.sqs, queue_url) if queue_url else ThreadFullSync(lambda: self.sync_wiring.engine())
        return AdminSync(DynamoSyncState(self.dynamodb, self.settings.table_control), start, self.clock)

    @cached_property
    def audit_log(self) -> AuditLog:
        from portal.services.admin_audit import AuditLog

        return AuditLog(self.dynamodb, self.settings.table_control)

    # --- admin reads: account search, diagnostics (admindiag) ---------------------------------------------------
    @cached_property
    def account_index(self) -> DynamoAccountIndex:
        from portal.adapters.dynamodb.account_index import DynamoAccountIndex

        return DynamoAccountIndex(self.dynamodb, self.settings.table_data)

    @cached_property
    def mail_log(self) -> DynamoMailLog:
        from portal.adapters.dynamodb.mail_log import DynamoMailLog

        return DynamoMailLog(self.dynamodb, self.settings.table_identity)

    @cached_property
    def diagnostics_reader(self) -> DynamoDiagnosticsReader:
        from portal.adapters.dynamodb.diagnostics import DynamoDiagnosticsReader

        return DynamoDiagnosticsReader(self.dynamodb, self.settings.table_identity, self.settings.table_control)

    # --- payments: the writer's view of the payments table, and ASPIRE for the admin diagnostics ------------
    @cached_property
    def payment_ledger(self) -> DynamoPaymentLedger:
        from portal.adapters.dynamodb.payment_ledger import DynamoPaymentLedger

        return DynamoPaymentLedger(self.dynamodb, self.settings.table_payments)

    @cached_property
    def aspire_if_configured(self) -> AspireSource | None:
        """ASPIRE where this function is given a source (the admin diagnostics read AlternateEft live), else
        None: the caller falls back to what the sync stored."""
        try:
            settings = self.settings if isinstance(self.settings, SyncSettings) else SyncSettings.load()
        except SettingsError:
            return None
        return aspire_source(settings)

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
        from portal.adapters.sqs import SqsPaymentQueue
        from portal.services.payments import PaymentsContext, powertools_idempotent

        config = self.payments_settings
        return PaymentsContext(
            store=DynamoPayments(self.dynamodb, config.table_payments, config.table_data),
            contracts=self.contracts,
            site_maps=self.site_maps.get,
            cipher=KmsCipher(boto3.client("kms", config=_BOTO_CONFIG), config.kms_key_id),
            fingerprint_key=FingerprintKey(config.fingerprint_secret_id),
            announce=SqsPaymentQueue(self.sqs, config.payments_queue_url),
            notify=self._notify_user,
            clock=lambda: self.clock(),
            idempotent=powertools_idempotent(self.dynamodb, config.table_payments, lambda: self.lambda_context),
        )

    @cached_property
    def _notify_user(self) -> Notify:
        config = self.identity_settings
        return self.user_mail(config.sender_email, config.ses_configuration_set, config.outbox_dir)

    def user_mail(self, sender: str, configuration_set: str, outbox_dir: str) -> Notify:
        """Mails a user (the address from the identity table) what `build(address, branding)` makes, with the
        site's `branding` when the caller read the site already (else read here), sent and recorded like every
        user email (`deliver_email`). The payments API and the payments writer mail through it."""
        from portal.adapters.ses import SesMailer
        from portal.emails import EmailBranding
        from portal.services.identity.clock import iso
        from portal.services.identity.context import deliver_email

        mailer = SesMailer(
            boto3.client("sesv2", config=_BOTO_CONFIG),
            sender,
            configuration_set=configuration_set,
            outbox_dir=outbox_dir or None,
        )

        def notify(site_id: str, user_id: str, build: Any, *, branding: Any = None) -> None:
            user = self.identity_store.get_user(site_id, user_id)
            if user is None:
                return
            if branding is None:
                site, instance = self.sites.get_site_and_settings(site_id)
                if site is None or instance is None:
                    raise LookupError(f"site {site_id} not found")
                branding = EmailBranding.of(site, instance.login_branding)
            deliver_email(mailer, self.identity_store, iso(self.clock()), site_id, build(user.user.email, branding))

        return notify


def aspire_source(settings: SyncSettings) -> AspireSource:
    if settings.aspire_sqlite_path:
        from portal.adapters.aspire.sqlite import SqliteAspireSource

        source: AspireSource = SqliteAspireSource(settings.aspire_sqlite_path)
        if settings.aspire_outage_flag:
            from portal.adapters.aspire.outage import SwitchableAspireSource

            source = SwitchableAspireSource(source, settings.aspire_outage_flag)
        return source
    from portal.adapters.aspire.mssql import MssqlAspireSource

    return MssqlAspireSource(settings.aspire_secret_id)


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
        return aspire_source(self.sync_settings)

    @cached_property
    def sync_state(self) -> DynamoSyncState:
        from portal.adapters.dynamodb.sync_state import DynamoSyncState

        return DynamoSyncState(self.dynamodb, self.settings.table_control)

    def engine(self) -> SyncEngine:
        """A new engine per run: it carries the run's write counters and the site map as of the run's start."""
        from portal.services.sites import site_map
        from portal.services.sync import SyncEngine

        return SyncEngine(
            self.aspire, self.sync_state, self.dynamodb, self.settings.table_data, site_map(self.sites),
            payments=self.payment_follow_up, fingerprint_key=self.fingerprint_key,
        )  # fmt: skip

    @cached_property
    def fingerprint_key(self) -> Callable[[], bytes] | None:
        """The bank-account fingerprint key, where this sync function is given one (cached by Powertools)."""
        from portal.adapters.secrets import FingerprintKey

        secret_id = self.sync_settings.fingerprint_secret_id
        return FingerprintKey(secret_id) if secret_id else None

    # --- payments (paywriter, issue #9) -------------------------------------------------------------------------
    @cached_property
    def payment_writer(self) -> PaymentWriter:
        from portal.adapters.kms import KmsCipher
        from portal.services.payment_writer import PaymentWriter

        # The sync functions load SyncSettings; in-process sweeping (laptop, tests) needs the key too.
        settings = self.settings if isinstance(self.settings, PaymentsWriterSettings) else PaymentsWriterSettings.load()
        cipher = KmsCipher(boto3.client("kms", config=_BOTO_CONFIG), settings.kms_key_id)
        return PaymentWriter(self.payment_ledger, self.aspire, cipher, notify=self._writer_notify(settings))

    def _writer_notify(self, settings: PaymentsWriterSettings) -> Notify | None:
        """The writer's mail (a canceled Scheduled payment), where its settings name a sender."""
        if not settings.sender_email:
            return None
        return self.user_mail(settings.sender_email, settings.ses_configuration_set, settings.outbox_dir)

    @cached_property
    def payment_follow_up(self) -> PaymentFollowUp:
        from portal.services.payment_writer import PaymentReadBack, PaymentSweep

        queue_url = self.sync_settings.payments_queue_url
        if queue_url:
            from portal.adapters.sqs import SqsPaymentQueue

            dispatch: Callable[[str, str, str], Any] = SqsPaymentQueue(self.sqs, queue_url)
        else:
            dispatch = lambda site, user, payment: self.payment_writer.handle(site, user, payment)  # noqa: E731
        sweep = PaymentSweep(self.payment_ledger, dispatch, self.sync_settings.payments_sweep_after_minutes)
        return _FollowUp(PaymentReadBack(self.payment_ledger), sweep)

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


@dataclass(frozen=True)
class _FollowUp:
    """The sync's payment steps (`portal.services.sync.PaymentFollowUp`)."""

    read_back_step: PaymentReadBack
    sweep_step: PaymentSweep

    def read_back(self, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
        return self.read_back_step.apply(rows)

    def sweep(self) -> dict[str, int]:
        return self.sweep_step.run()
