"""Admin diagnostics (read-only, any staff member): PRODUCT.md §8 questions 1-3 as API.md checklists."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from admin import common
from admin.read_models import AccountLinkabilityQuery, ContractVisibilityQuery, EnrollmentQuery
from portal.api.admin_auth import staff_from_event
from portal.services import diagnostics

router = Router()


@router.get("/admin/sites/<site>/diagnostics/contract-visibility", tags=["admin: diagnostics"])
def contract_visibility(site: str, query: Annotated[ContractVisibilityQuery, Query()]) -> dict[str, Any]:
    staff_from_event(router.current_event)
    return diagnostics.contract_visibility(
        site, query.user_id, query.contract_id, diagnostics=common.wiring.diagnostics_reader,
        contracts=common.wiring.contracts, site_map=common.wiring.site_maps.get(),
    )  # fmt: skip


@router.get("/admin/sites/<site>/diagnostics/account-linkability", tags=["admin: diagnostics"])
def account_linkability(site: str, query: Annotated[AccountLinkabilityQuery, Query()]) -> dict[str, Any]:
    staff_from_event(router.current_event)
    return diagnostics.account_linkability(
        site, query.account_id, reader=common.wiring.account_index, site_map=common.wiring.site_maps.get()
    )


@router.get("/admin/sites/<site>/diagnostics/enrollment", tags=["admin: diagnostics"])
def enrollment(site: str, query: Annotated[EnrollmentQuery, Query()]) -> dict[str, Any]:
    staff_from_event(router.current_event)
    return diagnostics.enrollment(
        site, query.email, identity=common.wiring.identity_store, diagnostics=common.wiring.diagnostics_reader,
        mail=common.wiring.mail_log, site_map=common.wiring.site_maps.get(),
    )  # fmt: skip
