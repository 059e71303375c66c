"""Bank accounts and one-time ACH payments of the signed-in user (PRODUCT.md §5, issue #9).

Keys come only from the verified principal, so another user's bank account or payment is simply absent (404).
A payment is stored Pending first (with its idempotency guard, in one transaction), then announced on the
queue the payments writer consumes; a failed send is logged and left to the sweep, never a failed 201.

Idempotency has two layers: Powertools idempotency (a record per site + user + Idempotency-Key, the same
response replayed, payload validation on the body) and the guard item in the payment's own transaction, so a
key stays bound to its payment after the Powertools record expires.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from portal.domain import payments as rules
from portal.domain.bank import aba_routing_number_check, sec_code_for
from portal.domain.contracts import Money
from portal.domain.errors import BadRequest, Conflict, NotFound, ValidationFailed
from portal.domain.principal import EndUser
from portal.domain.settings import InstanceSettings, Site
from portal.observability import logger
from portal.services.pagination import PageScope, decode_page_token, encode_page_token, text_position
from portal.services.payment_options import PaymentOptions, payable_contracts, payment_options

if TYPE_CHECKING:
    # The emails (templates and their branding) load with the first payment mailed, not at cold start; the
    # contract port and the site map are annotations only.
    from portal.domain.sites import SiteMap
    from portal.emails import EmailContent
    from portal.ports import ContractReader
    from portal.services.payment_emails import Notify

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
BANK_PURPOSE = "bank_account"
DEFAULT_PAGE, MAX_PAGE = 25, 100
# How long a request waits for a concurrent one with the same key before answering 409 (it normally takes
# well under a second); the waits back off from 50 ms.
IN_PROGRESS_WAIT_S = 10.0


# --- ports ------------------------------------------------------------------------------------------------------
class PaymentStore(Protocol):
    def put_bank_account(self, site_id: str, user_id: str, item: Mapping[str, Any]) -> None: ...
    def bank_accounts(self, site_id: str, user_id: str) -> list[dict[str, Any]]: ...
    def bank_account(self, site_id: str, user_id: str, bank_account_id: str) -> dict[str, Any] | None: ...
    def delete_bank_account(
        self, site_id: str, user_id: str, bank_account_id: str, last_payment_id: str | None
    ) -> None: ...
    def fingerprints_on_file(self, site_id: str, account_ids: Sequence[str]) -> set[str]: ...
    def create_payment(self, payment: Mapping[str, Any], guard: Mapping[str, Any]) -> None: ...
    def guard(self, site_id: str, user_id: str, key_hash: str) -> dict[str, Any] | None: ...
    def guard_and_bank_account(
        self, site_id: str, user_id: str, key_hash: str, bank_account_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]: ...
    def payment(self, site_id: str, user_id: str, payment_id: str) -> dict[str, Any] | None: ...
    def payments_page(
        self, site_id: str, user_id: str, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], bool]: ...
    def has_active_payment(self, site_id: str, user_id: str, bank_account_id: str, statuses: Sequence[str]) -> bool: ...
    def transition(
        self,
        payment: Mapping[str, Any],
        to_status: str,
        history_entry: Mapping[str, Any],
        *,
        outbox: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None: ...


class Cipher(Protocol):
    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes: ...
    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes: ...


# Announces a payment to the writer: (site, user, payment id). May raise; the caller logs and goes on.
Announce = Callable[[str, str, str], None]
# Runs `create(request)` under Powertools idempotency keyed on request["site_id"/"user_id"/"key"].
Idempotent = Callable[[Callable[[dict[str, Any]], dict[str, Any]], dict[str, Any]], dict[str, Any]]


@dataclass
class PaymentsContext:
    store: PaymentStore
    contracts: ContractReader
    site_maps: Callable[[], SiteMap]
    cipher: Cipher
    fingerprint_key: Callable[[], bytes]
    announce: Announce
    notify: Notify
    clock: Callable[[], datetime]
    idempotent: Idempotent


# --- requests and responses -------------------------------------------------------------------------------------
class _Answer(BaseModel):
    # defer_build: a model's validator and serializer are built on its first use, not at cold start.
    model_config = ConfigDict(defer_build=True)


class BankAccountCreated(_Answer):
    bank_account_id: str
    last4: str
    verified: bool
    message: str


class BankAccountView(_Answer):
    bank_account_id: str
    holder_name: str
    routing_number: str
    last4: str
    account_type: Literal["checking", "savings"]
    owner_type: Literal["personal", "business"]
    verified: bool
    verification: rules.Verification
    created_at: str


class BankAccountList(_Answer):
    items: list[BankAccountView]
    next_token: str | None = None


class AllocationView(_Answer):
    contract_id: str
    amount: Money


class HistoryEntry(_Answer):
    status: str
    at: str
    by: str
    note: str | None = None


class PaymentSummary(_Answer):
    payment_id: str
    status: str
    scope: Literal["contract", "all"]
    amount: Money
    payment_date: date
    bank_account_id: str
    bank_last4: str
    allocations: list[AllocationView]
    created_at: str


class PaymentDetail(PaymentSummary):
    sec_code: str
    history: list[HistoryEntry]
    canceled_at: str | None = None
    canceled_by: str | None = None


class PaymentPage(_Answer):
    items: list[PaymentSummary]
    next_token: str | None


class PaymentListQuery(_Answer):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Items per page, 1-100.")
    next_token: str | None = Field(None, description="The `next_token` of the previous page.")


class CancelAnswer(_Answer):
    status: Literal["Pending Cancel", "Canceled"]


@dataclass(frozen=True)
class NewBankAccount:
    holder_name: str
    routing_number: str
    account_number: str
    account_type: Literal["checking", "savings"]
    owner_type: Literal["personal", "business"]


@dataclass(frozen=True)
class PaymentOrder:
    scope: Literal["contract", "all"]
    contract_id: str | None
    bank_account_id: str
    amount: Decimal
    payment_date: date

    def canonical(self) -> dict[str, Any]:
        """The body as compared for "same key + same body" (amount normalised to two decimals)."""
        return {
            "scope": self.scope,
            "contract_id": self.contract_id if self.scope == "contract" else None,  # "all" names no contract
            "bank_account_id": self.bank_account_id,
            "amount": _canonical_amount(self.amount),
            "payment_date": self.payment_date.isoformat(),
        }


def _canonical_amount(amount: Decimal) -> str:
    # "100", "100.0" and "100.00" are one amount; "100.001" stays itself (and fails the two-decimals rule).
    cents = amount.quantize(rules.CENT)
    return str(cents) if cents == amount else str(amount)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _encryption_context(site_id: str, user_id: str) -> dict[str, str]:
    # Bound into the ciphertext: copied to another user's item, it does not decrypt there.
    return {"site_id": site_id, "user_id": user_id, "purpose": BANK_PURPOSE}


# --- bank accounts ----------------------------------------------------------------------------------------------
def add_bank_account(
    ctx: PaymentsContext, principal: EndUser, site: Site, settings: InstanceSettings, new: NewBankAccount
) -> BankAccountCreated:
    check = aba_routing_number_check(new.routing_number)
    if not check.passed:
        raise ValidationFailed(
            "The routing number is not valid.",
            "invalid_routing_number",
            fields=[{"field": "routing_number", "issue": check.detail}],
        )
    routing, digits = new.routing_number.strip(), new.account_number
    fingerprint = rules.bank_fingerprint(ctx.fingerprint_key(), routing, digits)
    existing = ctx.store.bank_accounts(principal.site_id, principal.user_id)
    if any(item.get("fingerprint") == fingerprint for item in existing):
        raise Conflict("This bank account is already saved.", "bank_account_exists")
    verification: rules.Verification
    if settings.bank_verification_mode == "allow_any":
        verification, message = "allow_any", "The bank account is saved and ready for payments."
    elif fingerprint in ctx.store.fingerprints_on_file(principal.site_id, principal.account_ids):
        verification, message = "matched_on_file", "The bank account matches one on file and is ready for payments."
    else:
        verification = "unverified"
        message = (
            f"The bank account is saved but not verified yet, so it cannot be used for payments. To have it "
            f"verified, call {site.display_name} or write to {settings.login_branding.support_email}."
        )
    bank_account_id = rules.new_bank_account_id()
    ciphertext = ctx.cipher.encrypt(digits.encode(), _encryption_context(principal.site_id, principal.user_id))
    ctx.store.put_bank_account(
        principal.site_id,
        principal.user_id,
        {
            "type": "bank_account",
            "bank_account_id": bank_account_id,
            "holder_name": new.holder_name,
            "routing_number": routing,
            "account_ciphertext": ciphertext,
            "last4": digits[-4:],
            "fingerprint": fingerprint,
            "account_type": new.account_type,
            "owner_type": new.owner_type,
            "verified": verification != "unverified",
            "verification": verification,
            "created_at": iso(ctx.clock()),
        },
    )
    logger.info("bank account added", extra={"site_id": principal.site_id, "verification": verification})
    return BankAccountCreated(
        bank_account_id=bank_account_id, last4=digits[-4:], verified=verification != "unverified", message=message
    )


def list_bank_accounts(ctx: PaymentsContext, principal: EndUser) -> BankAccountList:
    items = ctx.store.bank_accounts(principal.site_id, principal.user_id)
    return BankAccountList(
        items=[BankAccountView.model_validate(i) for i in sorted(items, key=lambda i: i["created_at"])]
    )


def delete_bank_account(ctx: PaymentsContext, principal: EndUser, bank_account_id: str) -> None:
    """204 unless a payment from the account is in progress (409). The delete is conditional on the account's
    latest payment being the one seen here, so a payment made between the check and the delete wins."""
    from portal.adapters.dynamodb.payments import StaleStatus

    bank = ctx.store.bank_account(principal.site_id, principal.user_id, bank_account_id)
    if bank is None:
        raise NotFound("There is no such bank account.", "bank_account_not_found")
    if ctx.store.has_active_payment(
        principal.site_id, principal.user_id, bank_account_id, sorted(rules.ACTIVE_STATUSES)
    ):
        raise Conflict(
            "This bank account has a payment in progress; it can be removed once that is done.", "bank_account_in_use"
        )
    try:
        ctx.store.delete_bank_account(
            principal.site_id, principal.user_id, bank_account_id, bank.get("last_payment_id")
        )
    except StaleStatus:
        raise Conflict(
            "This bank account has a payment in progress; it can be removed once that is done.", "bank_account_in_use"
        ) from None


# --- options ----------------------------------------------------------------------------------------------------
def options(ctx: PaymentsContext, principal: EndUser) -> PaymentOptions:
    return payment_options(principal, ctx.contracts, ctx.site_maps)


# --- create -----------------------------------------------------------------------------------------------------
def require_idempotency_key(value: str | None) -> str:
    if not value:
        raise BadRequest("The Idempotency-Key header is required for payments.", "idempotency_key_required")
    if not IDEMPOTENCY_KEY.match(value):
        raise BadRequest(
            "The Idempotency-Key header must be 1-128 characters of A-Z a-z 0-9 . _ : -.", "invalid_idempotency_key"
        )
    return value


def create_payment(
    ctx: PaymentsContext,
    principal: EndUser,
    settings: InstanceSettings,
    order: PaymentOrder,
    idempotency_key: str,
    site: Site | None = None,
) -> dict[str, Any]:
    """The 201 body; the same one again for the same key and body (also while the first is still running).
    `site`: the site record the request has read (its confirmation email is branded with it, not read again)."""
    request = {
        "site_id": principal.site_id,
        "user_id": principal.user_id,
        "key": idempotency_key,
        "body": order.canonical(),
    }

    def create(data: dict[str, Any]) -> dict[str, Any]:
        return _create(ctx, principal, settings, order, idempotency_key, site)

    return ctx.idempotent(create, request)


def _create(
    ctx: PaymentsContext,
    principal: EndUser,
    settings: InstanceSettings,
    order: PaymentOrder,
    key: str,
    site: Site | None,
) -> dict[str, Any]:
    site_id, user_id = principal.site_id, principal.user_id
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    body_hash = rules.request_hash(order.canonical())
    # Both reads a new payment needs from the payments table, in one request.
    guard, bank = ctx.store.guard_and_bank_account(site_id, user_id, key_hash, order.bank_account_id)
    if guard is not None:  # the Powertools record expired (or was lost): the guard still binds the key
        return _replay(ctx, principal, guard, body_hash)
    now = ctx.clock()
    amount = rules.check_amount(order.amount, settings.payment_limit)
    rules.check_payment_date(order.payment_date, rules.business_today(now), settings.payment_max_days_ahead)
    if bank is None:
        raise ValidationFailed(
            "There is no such bank account.",
            "bank_account_not_found",
            fields=[{"field": "bank_account_id", "issue": "not one of your bank accounts"}],
        )
    if not bank.get("verified"):
        raise ValidationFailed(
            "This bank account is not verified yet.",
            "bank_account_unverified",
            fields=[{"field": "bank_account_id", "issue": "not verified"}],
        )
    allocations = _allocations(ctx, principal, order, amount)
    payment_id = rules.new_payment_id(now)
    at = iso(now)
    payment = {
        "type": "payment",
        "payment_id": payment_id,
        "site_id": site_id,
        "user_id": user_id,
        "status": "Pending",
        "scope": order.scope,
        "bank_account_id": order.bank_account_id,
        "bank_last4": str(bank["last4"]),
        "sec_code": sec_code_for(bank["owner_type"]),
        "amount": amount,
        "payment_date": order.payment_date.isoformat(),
        "allocations": [
            {
                "contract_id": a.contract_id,
                "account_id": a.account_id,
                "amount": a.amount,
                "portal_payment_id": rules.portal_payment_id(payment_id, n),
                "eft_status": "Pending",
            }
            for n, a in enumerate(allocations, start=1)
        ],
        "history": [{"status": "Pending", "at": at, "by": "user", "note": "payment requested"}],
        "idempotency_key_hash": key_hash,
        "created_at": at,
        "updated_at": at,
        "version": 1,
    }
    from portal.adapters.dynamodb.payments import BankAccountGone, GuardTaken

    try:
        ctx.store.create_payment(payment, {"key_hash": key_hash, "request_hash": body_hash})
    except GuardTaken as taken:  # a concurrent request with this key won the guard
        return _replay(ctx, principal, taken.guard, body_hash)
    except BankAccountGone:
        raise ValidationFailed(
            "There is no such bank account.",
            "bank_account_not_found",
            fields=[{"field": "bank_account_id", "issue": "not one of your bank accounts"}],
        ) from None
    logger.info("payment stored", extra={"site_id": site_id, "payment_id": payment_id, "allocations": len(allocations)})
    _announce(ctx, site_id, user_id, payment_id)
    from portal.emails import payment_accepted_email

    _mail(ctx, payment, payment_accepted_email, (site, settings) if site is not None else None)
    return _created_body(payment)


def _allocations(
    ctx: PaymentsContext, principal: EndUser, order: PaymentOrder, amount: Decimal
) -> list[rules.Allocation]:
    if order.scope == "all":
        owed = payment_options(principal, ctx.contracts, ctx.site_maps)
        return rules.allocate_all(amount, [(o.contract_id, o.account_id, o.open_amount) for o in owed.contracts])
    if not order.contract_id:
        raise ValidationFailed(
            "Name the contract to pay.", fields=[{"field": "contract_id", "issue": "required when scope is contract"}]
        )
    # One contract: whether it is payable and by which account, without the invoices of every other contract.
    payable = payable_contracts(principal, ctx.contracts, ctx.site_maps, only=order.contract_id)
    if not payable:
        raise ValidationFailed(
            "This contract cannot be paid here.",
            "contract_not_payable",
            fields=[{"field": "contract_id", "issue": "not one of your active contracts"}],
        )
    ((contract_id, account_id),) = payable
    return [rules.Allocation(contract_id, account_id, amount)]


def _replay(ctx: PaymentsContext, principal: EndUser, guard: Mapping[str, Any], body_hash: str) -> dict[str, Any]:
    if guard.get("request_hash") != body_hash:
        raise _key_reused()
    payment = ctx.store.payment(principal.site_id, principal.user_id, str(guard["payment_id"]))
    if payment is None:  # the guard is written with its payment: this cannot be, short of a manual delete
        raise Conflict("The payment of this Idempotency-Key no longer exists.", "idempotency_key_reused")
    return _created_body(payment)


def _key_reused() -> ValidationFailed:
    return ValidationFailed(
        "This Idempotency-Key was used for another request.",
        "idempotency_key_reused",
        fields=[{"field": "Idempotency-Key", "issue": "already used with another body"}],
    )


def _created_body(payment: Mapping[str, Any]) -> dict[str, Any]:
    """The response of the request that created it: "Pending" even when replayed after the writer moved it on.
    Keys in sorted order, as Powertools replays a saved response, so a replay is the same bytes."""
    return {
        "allocations": [
            {"amount": _money(a["amount"]), "contract_id": a["contract_id"]} for a in payment["allocations"]
        ],
        "amount": _money(payment["amount"]),
        "bank_last4": payment["bank_last4"],
        "payment_date": payment["payment_date"],
        "payment_id": payment["payment_id"],
        "status": "Pending",
    }


def _money(value: Any) -> str:
    return str(Decimal(str(value)).quantize(rules.CENT))


def _announce(ctx: PaymentsContext, site_id: str, user_id: str, payment_id: str) -> None:
    try:
        ctx.announce(site_id, user_id, payment_id)
    except Exception as error:  # the payment is stored and in the outbox: the sweep will pick it up
        logger.warning(
            "payment not announced; the sweep will pick it up",
            extra={"site_id": site_id, "payment_id": payment_id, "error": type(error).__name__},
        )


def _mail(
    ctx: PaymentsContext,
    payment: Mapping[str, Any],
    template: Callable[..., EmailContent],
    site: tuple[Site, InstanceSettings] | None,
) -> None:
    from portal.emails import EmailBranding
    from portal.services.payment_emails import send_payment_email

    branding = EmailBranding.of(site[0], site[1].login_branding) if site is not None else None
    send_payment_email(ctx.notify, payment, template, branding)


# --- read -------------------------------------------------------------------------------------------------------
def list_payments(ctx: PaymentsContext, principal: EndUser, query: PaymentListQuery) -> PaymentPage:
    scope = PageScope(principal.site_id, principal.user_id, principal.session_id, "payments")
    before = decode_page_token(query.next_token, scope, text_position) if query.next_token else None
    items, more = ctx.store.payments_page(principal.site_id, principal.user_id, before, query.limit)
    return PaymentPage(
        items=[PaymentSummary.model_validate(_view(i)) for i in items],
        next_token=encode_page_token(items[-1]["payment_id"], scope) if more and items else None,
    )


def get_payment(ctx: PaymentsContext, principal: EndUser, payment_id: str) -> PaymentDetail:
    return PaymentDetail.model_validate(_view(_own_payment(ctx, principal, payment_id)))


def _own_payment(ctx: PaymentsContext, principal: EndUser, payment_id: str) -> dict[str, Any]:
    payment = ctx.store.payment(principal.site_id, principal.user_id, payment_id)
    if payment is None:
        raise NotFound("There is no such payment.", "payment_not_found")
    return payment


def _view(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **item,
        "allocations": [
            {"contract_id": a["contract_id"], "amount": a["amount"]} for a in item.get("allocations") or []
        ],
    }


# --- cancel -----------------------------------------------------------------------------------------------------
def cancel_payment(
    ctx: PaymentsContext,
    principal: EndUser,
    payment_id: str,
    site: tuple[Site, InstanceSettings] | None = None,
) -> CancelAnswer:
    """Pending → Canceled; Scheduled → Pending Cancel (the writer cancels ASPIRE's rows); else 409. A change that
    loses its conditional update (the writer moved the payment meanwhile) is decided again on the new state."""
    from portal.adapters.dynamodb.payments import StaleStatus

    for _ in range(3):
        payment = _own_payment(ctx, principal, payment_id)
        target = rules.cancel_target(str(payment["status"]), payment.get("allocations") or [])
        at = iso(ctx.clock())
        entry = {"status": target, "at": at, "by": "user", "note": "canceled by the user"}
        try:
            if target == "Canceled":
                ctx.store.transition(
                    payment, target, entry, outbox="delete", extra={"canceled_by": "user", "canceled_at": at}
                )
            else:
                entry["note"] = "cancel requested by the user"
                ctx.store.transition(
                    payment, target, entry, outbox="put", extra={"canceled_by": "user", "canceled_at": at}
                )
        except StaleStatus:
            continue
        logger.info("payment cancel", extra={"site_id": principal.site_id, "payment_id": payment_id, "to": target})
        if target == "Canceled":
            from portal.emails import payment_canceled_email

            _mail(ctx, payment, payment_canceled_email, site)
        else:
            _announce(ctx, principal.site_id, principal.user_id, payment_id)
        return CancelAnswer(status=target)
    raise Conflict("The payment changed while it was being canceled; try again.", "payment_changed")


# --- Powertools idempotency -------------------------------------------------------------------------------------
def powertools_idempotent(client: Any, table: str, lambda_context: Callable[[], Any]) -> Idempotent:
    """The `Idempotent` runner over Powertools idempotency on the payments table (record per site+user+key).

    A request that finds the key in progress (a concurrent duplicate) waits for it and then gets its saved
    response, so concurrent duplicates all answer the same."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    store = DynamoDBPersistenceLayer(
        table_name=table,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value="IDEMPOTENCY#payments",
        expiry_attr="expires_at",
        boto3_client=client,
    )

    def run(create: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
        config = IdempotencyConfig(
            event_key_jmespath="[site_id, user_id, key]",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
        )
        context = lambda_context()
        if context is not None:
            config.register_lambda_context(context)
        wrapped = idempotent_function(
            data_keyword_argument="request", persistence_store=store, config=config, key_prefix="payments"
        )(lambda request: create(request))
        deadline = time.monotonic() + IN_PROGRESS_WAIT_S
        pause = 0.05
        while True:
            try:
                result: dict[str, Any] = wrapped(request=request)
                return result
            except IdempotencyValidationError:
                raise _key_reused() from None
            except IdempotencyAlreadyInProgressError:
                if time.monotonic() + pause > deadline:
                    raise Conflict(
                        "A request with this Idempotency-Key is still being processed; try again.",
                        "request_in_progress",
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    return run
