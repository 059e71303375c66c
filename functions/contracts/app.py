"""End-user API: contracts, invoices, amortization schedules and lines of credit (PRODUCT.md §2).

Transport only: the principal comes from the authorizer context (never from the request), the service decides
visibility, and `portal.api.resolver` turns its exceptions into API.md errors.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.api.auth import principal_for_site
from portal.api.resolver import make_resolver
from portal.observability import logger, metrics
from portal.services import contracts
from portal.services.contracts import ContractListQuery, InvoiceQuery, PageQuery
from portal.wiring import Wiring

router = Router()
wiring = Wiring.from_env()


@router.get("/sites/<site>/contracts", tags=["contracts"])
def list_contracts(site: str, query: Annotated[ContractListQuery, Query()]) -> contracts.ContractPage:
    principal = principal_for_site(router.current_event, site)
    return contracts.list_contracts(principal, query, wiring.contracts, wiring.site_maps.get)


@router.get("/sites/<site>/contracts/<contract_id>", tags=["contracts"])
def get_contract(site: str, contract_id: str) -> contracts.ContractDetail:
    principal = principal_for_site(router.current_event, site)
    return contracts.contract_details(principal, contract_id, wiring.contracts, wiring.site_maps.get)


@router.get("/sites/<site>/contracts/<contract_id>/invoices", tags=["contracts"])
def list_invoices(site: str, contract_id: str, query: Annotated[InvoiceQuery, Query()]) -> contracts.InvoicePage:
    principal = principal_for_site(router.current_event, site)
    return contracts.contract_invoices(principal, contract_id, query, wiring.contracts, wiring.site_maps.get)


@router.get("/sites/<site>/contracts/<contract_id>/amortization", tags=["contracts"])
def get_amortization(site: str, contract_id: str, query: Annotated[PageQuery, Query()]) -> contracts.AmortizationPage:
    principal = principal_for_site(router.current_event, site)
    return contracts.contract_amortization(principal, contract_id, query, wiring.contracts, wiring.site_maps.get)


@router.get("/sites/<site>/lines-of-credit", tags=["lines of credit"])
def list_lines_of_credit(site: str, query: Annotated[PageQuery, Query()]) -> contracts.LineOfCreditPage:
    principal = principal_for_site(router.current_event, site)
    return contracts.lines_of_credit(principal, query, wiring.contracts)


app = make_resolver(router)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
