"""End-user API: bank accounts and one-time ACH payments (PRODUCT.md §5, API.md payment rows).

Transport only. Every route first checks the site takes payments (off: 404, as for a path that does not
exist), then takes the principal from the authorizer context; the services decide the rest and
`portal.api.resolver` turns their exceptions into API.md errors.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from portal.api.auth import principal_for_site
from portal.api.resolver import make_resolver
from portal.domain.principal import EndUser
from portal.domain.settings import InstanceSettings, Site
from portal.observability import logger, metrics
from portal.services import payments
from portal.services.payment_options import PaymentOptions
from portal.services.payment_switch import require_payments_enabled
from portal.wiring import Wiring

BodyT = TypeVar("BodyT", bound=BaseModel)

bank_accounts = Router()
payments_router = Router()
wiring = Wiring.from_env()


def _enter(router: Router, site: str) -> tuple[EndUser, Site, InstanceSettings]:
    # The switch first: with payments off, nothing about payments (not even 401 vs 403) is told.
    site_record, settings = require_payments_enabled(wiring.sites, site)
    return principal_for_site(router.current_event, site), site_record, settings


def _body(router: Router, model: type[BodyT]) -> BodyT:
    """The request body, parsed only after the switch: a body parameter would be validated by Powertools before
    the route runs, so a site with payments off would answer 422 instead of 404 and tell that the route exists.
    Errors take the resolver's usual path (400 malformed, 422 with fields)."""
    try:
        document = router.current_event.json_body
    except (ValueError, TypeError):  # json.JSONDecodeError is a ValueError
        document = None
    if not isinstance(document, dict):
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "not a JSON object"}])
    try:
        return model.model_validate(document)
    except ValidationError as error:
        details = error.errors(include_input=False, include_url=False)
        raise RequestValidationError([{**d, "loc": ("body", *d["loc"])} for d in details]) from None


# --- bank accounts ----------------------------------------------------------------------------------------------
@bank_accounts.get("/sites/<site>/bank-accounts", tags=["bank accounts"])
def list_bank_accounts(site: str) -> payments.BankAccountList:
    principal, _, _ = _enter(bank_accounts, site)
    return payments.list_bank_accounts(wiring.payments, principal)


@bank_accounts.post("/sites/<site>/bank-accounts", status_code=201, tags=["bank accounts"])
def add_bank_account(site: str) -> payments.BankAccountCreated:
    """Body: `BankAccountRequest` (holder_name, routing_number, account_number, account_type, owner_type)."""
    from payments.models import BankAccountRequest  # the request bodies load with the first write, not at cold start

    principal, site_record, settings = _enter(bank_accounts, site)
    body = _body(bank_accounts, BankAccountRequest)
    new = payments.NewBankAccount(
        body.holder_name, body.routing_number, body.account_number, body.account_type, body.owner_type
    )
    return payments.add_bank_account(wiring.payments, principal, site_record, settings, new)


@bank_accounts.delete("/sites/<site>/bank-accounts/<bank_account_id>", tags=["bank accounts"])
def delete_bank_account(site: str, bank_account_id: str) -> Response[None]:
    principal, _, _ = _enter(bank_accounts, site)
    payments.delete_bank_account(wiring.payments, principal, bank_account_id)
    return Response(204)


# --- payments ---------------------------------------------------------------------------------------------------
@payments_router.get("/sites/<site>/payments/options", tags=["payments"])
def payment_options(site: str) -> PaymentOptions:
    principal, _, _ = _enter(payments_router, site)
    return payments.options(wiring.payments, principal)


@payments_router.post("/sites/<site>/payments", status_code=201, tags=["payments"])
def create_payment(site: str) -> dict[str, Any]:
    """Body: `PaymentRequest` (scope, contract_id, bank_account_id, amount, payment_date); header Idempotency-Key."""
    from payments.models import PaymentRequest

    principal, site_record, settings = _enter(payments_router, site)
    body = _body(payments_router, PaymentRequest)
    key = payments.require_idempotency_key(payments_router.current_event.headers.get("Idempotency-Key"))
    order = payments.PaymentOrder(body.scope, body.contract_id, body.bank_account_id, body.amount, body.payment_date)
    return payments.create_payment(wiring.payments, principal, settings, order, key, site_record)


@payments_router.get("/sites/<site>/payments", tags=["payments"])
def list_payments(site: str, query: Annotated[payments.PaymentListQuery, Query()]) -> payments.PaymentPage:
    principal, _, _ = _enter(payments_router, site)
    return payments.list_payments(wiring.payments, principal, query)


@payments_router.get("/sites/<site>/payments/<payment_id>", tags=["payments"])
def get_payment(site: str, payment_id: str) -> payments.PaymentDetail:
    principal, _, _ = _enter(payments_router, site)
    return payments.get_payment(wiring.payments, principal, payment_id)


@payments_router.post("/sites/<site>/payments/<payment_id>/cancel", status_code=202, tags=["payments"])
def cancel_payment(site: str, payment_id: str) -> payments.CancelAnswer:
    principal, site_record, settings = _enter(payments_router, site)
    return payments.cancel_payment(wiring.payments, principal, payment_id, (site_record, settings))


app = make_resolver(bank_accounts, payments_router)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.lambda_context = context
    return app.resolve(event, context)
