"""Admin API, payments (issue #9, PRODUCT.md §8.4): a user's payments, the payment lookup and the payment
diagnostics. Reads only: any staff member (portal-admins or portal-support) may call them.

A router of the admin function (`app.py` includes it). ASPIRE is read live for the diagnostics when this
function is given an ASPIRE source; otherwise the answer comes from what the incremental sync stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from admin import common
from portal.api.admin_auth import staff_from_event
from portal.config import SyncSettings
from portal.services import payment_diagnostics as diagnostics
from portal.services.payment_diagnostics import PaymentLookupQuery

router = Router()
SWEEP_AFTER_MINUTES = int(SyncSettings.model_fields["payments_sweep_after_minutes"].default)


@router.get("/admin/sites/<site>/users/<user_id>/payments", tags=["admin payments"])
def user_payments(site: str, user_id: str) -> dict[str, Any]:
    staff_from_event(router.current_event)
    return diagnostics.user_payments(common.wiring.payment_ledger, site, user_id)


@router.get("/admin/sites/<site>/payments", tags=["admin payments"])
def lookup_payments(site: str, query: Annotated[PaymentLookupQuery, Query()]) -> dict[str, Any]:
    staff_from_event(router.current_event)
    wiring = common.wiring
    return diagnostics.lookup(wiring.payment_ledger, site, query, wiring.identity_store.emails_of)


@router.get("/admin/sites/<site>/diagnostics/payments/<payment_id>", tags=["admin diagnostics"])
def diagnose_payment(site: str, payment_id: str) -> dict[str, Any]:
    staff_from_event(router.current_event)
    return diagnostics.diagnose(
        common.wiring.payment_ledger,
        site,
        payment_id,
        aspire=common.wiring.aspire_if_configured,
        synced_eft=diagnostics.synced_eft_reader(common.wiring.dynamodb, common.wiring.settings.table_data),
        sweep_after_minutes=SWEEP_AFTER_MINUTES,
    )
