"""Settings: one pydantic model per function family, validated once at cold start from the environment.

Only names and non-secret switches come from environment variables; secrets (the ASPIRE credentials) are
fetched from Secrets Manager by name. A model has no laptop defaults: a required variable that is missing
or empty stops the function at cold start with one line naming it (`SettingsError: missing environment
variable PORTAL_KMS_KEY_ID (IdentitySettings)`), so a deployed function can never run on a local value.
The local runtime (`local/runtime.py`) and the test fixtures set their own values.

The CDK stack spells every variable name through `env_name`, and `FUNCTION_SETTINGS` says which model each
function loads, so the stack and a template test can check each function gets what its model requires.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import PydanticCustomError

# A required value: present and not blank. Optional fields are plain `str` with a "" default.
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SettingsError(RuntimeError):
    """The environment does not satisfy a settings model (raised at cold start)."""


class Settings(BaseModel):
    # defer_build: a container validates one model; the others' validators are never built at its cold start.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    # Fields that are required in AWS but may be left out when a local stand-in replaces them (see SyncSettings).
    required_in_aws: ClassVar[tuple[str, ...]] = ()
    # Fields a model inherits but its function must not be given in AWS (least privilege: no grant either).
    withheld_in_aws: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings from `env` (default: `os.environ`), or `SettingsError` naming what is missing."""
        try:
            return cls.model_validate(dict(os.environ if env is None else env))
        except ValidationError as error:
            raise SettingsError(cls._describe(error)) from None  # the pydantic dump would repeat the inputs

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is read from: `IdentitySettings.env_name("kms_key_id")`."""
        alias = cls.model_fields[field].alias
        if alias is None:
            raise KeyError(f"{cls.__name__}.{field} has no environment variable")
        return alias

    @classmethod
    def required_env(cls) -> tuple[str, ...]:
        """Every variable a deployed function of this model must have."""
        names = [cls.env_name(name) for name, info in cls.model_fields.items() if info.is_required()]
        return tuple(dict.fromkeys([*names, *(cls.env_name(name) for name in cls.required_in_aws)]))

    @classmethod
    def _describe(cls, error: ValidationError) -> str:
        missing, invalid = [], []
        for detail in error.errors(include_input=False, include_url=False):
            if detail["type"] == "missing_env":
                missing.extend(detail["ctx"]["names"])
            elif detail["type"] in ("missing", "string_too_short"):
                missing.append(str(detail["loc"][0]))
            else:
                invalid.append(f"{'.'.join(map(str, detail['loc']))} ({detail['msg']})")
        parts = []
        if missing:
            plural = "s" if len(missing) > 1 else ""
            parts.append(f"missing environment variable{plural} {', '.join(missing)}")
        if invalid:
            parts.append(f"invalid environment variable {', '.join(invalid)}")
        return f"{'; '.join(parts)} ({cls.__name__})"


def _missing(*names: str) -> PydanticCustomError:
    # Reported like a missing field by `Settings._describe` (a model validator has no field location).
    return PydanticCustomError("missing_env", "missing {names}", {"names": names})


class TableSettings(Settings):
    table_data: Required = Field(alias="TABLE_DATA")
    table_identity: Required = Field(alias="TABLE_IDENTITY")
    table_payments: Required = Field(alias="TABLE_PAYMENTS")
    table_control: Required = Field(alias="TABLE_CONTROL")


class ApiSettings(TableSettings):
    """What every API function needs (meta, contracts, the authorizer, admin for now)."""

    # web (issue #11): the one browser origin allowed to call the APIs cross-origin (the web front end,
    # e.g. `https://portal.example.com`; locally `http://127.0.0.1:8080`). Empty: no CORS headers at all.
    web_origin: str = Field("", alias="PORTAL_WEB_ORIGIN")


class IdentitySettings(ApiSettings):
    """The function that signs end users in and mails them (`login`)."""

    # The application key for TOTP seeds: key id, key ARN or alias.
    kms_key_id: Required = Field(alias="PORTAL_KMS_KEY_ID")
    sender_email: Required = Field(alias="PORTAL_SENDER_EMAIL")
    # Where emailed links point: the web front end, which reads `?token=` and posts it to the API.
    web_base_url: Required = Field(alias="PORTAL_WEB_BASE_URL")
    ses_configuration_set: str = Field("", alias="PORTAL_SES_CONFIGURATION_SET")
    # One-customer syncs go to this queue (sync_worker runs them); unset: they run in-process (laptop).
    sync_chunk_queue_url: str = Field("", alias="SYNC_CHUNK_QUEUE_URL")
    # Local runtime only: every email is also written here as an .eml file.
    outbox_dir: str = Field("", alias="PORTAL_OUTBOX_DIR")


class PaymentsSettings(IdentitySettings):
    """The end-user payments function (`payments`): bank accounts and one-time ACH payments (PRODUCT.md §5)."""

    # Secrets Manager secret holding the HMAC key of bank-account fingerprints (routing + account number).
    fingerprint_secret_id: Required = Field(alias="PORTAL_FINGERPRINT_SECRET_ID")
    # SQS queue the payments writer consumes: each accepted or canceled payment is announced there.
    payments_queue_url: Required = Field(alias="PAYMENTS_QUEUE_URL")


class AdminSettings(IdentitySettings):
    """The staff API (`admin`): it mails registration and reset links (sender, web base URL, SES configuration
    set) and queues customer syncs and staff full runs on the sync chunk queue.

    It never encrypts nor decrypts a TOTP seed (only the signed-in user sets one up), so the application key
    is optional here and the stack grants the admin function no use of it (least privilege)."""

    withheld_in_aws = ("kms_key_id",)

    kms_key_id: str = Field("", alias="PORTAL_KMS_KEY_ID")


class SesEventsSettings(TableSettings):
    """The SES event function (`ses_events`, admindiag): SES delivery, bounce and complaint events (an SES
    configuration set publishing to SNS) recorded on the identity table's `MAIL#` items. Only the tables: it
    reads and updates the identity table."""


class SyncSettings(TableSettings):
    """The sync functions (`sync_incremental`, `sync_daily`, `sync_worker`)."""

    required_in_aws: ClassVar[tuple[str, ...]] = ("aspire_secret_id", "fingerprint_secret_id")

    aspire_secret_id: str = Field("", alias="ASPIRE_SECRET_ID")
    # Local/test only: the SQLite demo database standing in for ASPIRE. Unset in AWS.
    aspire_sqlite_path: str = Field("", alias="ASPIRE_SQLITE_PATH")
    # SQS queue of daily-sync chunks (AWS); unset locally, where the chunks run in-process.
    sync_chunk_queue_url: str = Field("", alias="SYNC_CHUNK_QUEUE_URL")
    # --- payments (paywriter, issue #9): the incremental sync's sweep and the local outage switch ----------
    # Where the sweep re-queues payments still waiting for the writer (AWS); unset: it runs the writer in-process.
    payments_queue_url: str = Field("", alias="PAYMENTS_QUEUE_URL")
    # Outbox items older than this are swept (the queue normally delivers within seconds).
    payments_sweep_after_minutes: int = Field(5, ge=1, le=60, alias="PAYMENTS_SWEEP_AFTER_MINUTES")
    # Local only: while this file exists, ASPIRE is unreachable for the portal (`portal-local aspire outage on`).
    aspire_outage_flag: str = Field("", alias="ASPIRE_OUTAGE_FLAG")
    # payments (PRODUCT.md §5): the HMAC key of bank-account fingerprints, so the accounts on file carry the
    # fingerprint the payments API matches in `existing_only` mode. Unset: they are stored without one.
    fingerprint_secret_id: str = Field("", alias="PORTAL_FINGERPRINT_SECRET_ID")

    @model_validator(mode="after")
    def _aspire_source(self) -> Self:
        if not self.aspire_secret_id.strip() and not self.aspire_sqlite_path.strip():
            raise _missing(self.env_name("aspire_secret_id"))
        return self


class PaymentsWriterSettings(SyncSettings):
    """The payments writer (`payments_writer`, SQS consumer): ASPIRE like the sync, plus the application key
    that decrypts a bank account's number for its AlternateEft rows (PRODUCT.md §5)."""

    required_in_aws = (*SyncSettings.required_in_aws, "sender_email")

    kms_key_id: Required = Field(alias="PORTAL_KMS_KEY_ID")
    # The email of a Scheduled payment the writer cancels in ASPIRE (PRODUCT.md §5: "when it is canceled").
    # Unset (a test's or a local process's smaller environment): that email is not sent.
    sender_email: str = Field("", alias="PORTAL_SENDER_EMAIL")
    ses_configuration_set: str = Field("", alias="PORTAL_SES_CONFIGURATION_SET")
    outbox_dir: str = Field("", alias="PORTAL_OUTBOX_DIR")


# The model each function loads at cold start (the CDK stack gives each function what its model requires).
FUNCTION_SETTINGS: dict[str, type[TableSettings]] = {
    "meta": ApiSettings,
    "login": IdentitySettings,
    "authorizer": ApiSettings,  # it only checks sessions: tables, no key, no mail
    "contracts": ApiSettings,
    "admin": AdminSettings,
    "payments": PaymentsSettings,  # payments (PRODUCT.md §5)
    "ses_events": SesEventsSettings,  # delivery state of the emails sent (PRODUCT.md §8.3)
    "sync_incremental": SyncSettings,
    "sync_daily": SyncSettings,
    "sync_worker": SyncSettings,
    # payments writer (PRODUCT.md §5)
    "payments_writer": PaymentsWriterSettings,
}


def running_function(env: Mapping[str, str] | None = None) -> str | None:
    """The function this Lambda container runs: Lambda sets `_HANDLER` to the handler, `<name>.app.handler`.

    None outside Lambda (the local runtime serves every function in one process, tests, tools)."""
    handler = (os.environ if env is None else env).get("_HANDLER", "")
    name = handler.split(".", 1)[0]
    return name if name in FUNCTION_SETTINGS else None


def table_env(prefix: str) -> dict[str, str]:
    """Environment naming the physical tables for a table-name prefix (local runtime, tests)."""
    from portal.adapters.dynamodb.tables import TABLES

    return {t.env_var(): t.physical_name(prefix) for t in TABLES}
