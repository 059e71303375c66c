"""The one place that turns exceptions into HTTP answers, and the resolver factory every API function uses.

Routes have no try/except: a domain exception raised anywhere below maps here to the error shape of
API.md, `{"error": {"code", "message"}}`, and anything unexpected becomes a logged 500 that reveals nothing.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from portal.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from portal.observability import logger

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (RateLimited, 429),
    (ValidationFailed, 422),
]

API_VERSION = "1.0.0"


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    headers = {"Cache-Control": "no-store"}
    return Response(status, content_types.APPLICATION_JSON, json.dumps(body), headers=headers)


def status_for(error: DomainError) -> int:
    for error_type, status in _STATUS:
        if isinstance(error, error_type):
            return status
    return 400


def _field_name(loc: tuple[Any, ...]) -> str:
    # Powertools prefixes the location with where the value came from ("body", "query", "path", "header").
    return ".".join(str(part) for part in loc[1:]) or str(loc[0]) if loc else ""


def _malformed_body(body: str | None) -> bool:
    """A body that is present but not a JSON object (whatever Content-Type the client sent)."""
    if not body or not body.strip():
        return False
    try:
        return not isinstance(json.loads(body), dict)
    except ValueError:
        return True


def make_resolver(*routers: Router) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        errors = error.errors()
        if _malformed_body(app.current_event.body) or any(
            e.get("type") == "json_invalid" or tuple(e.get("loc", ())) == ("body",) for e in errors
        ):
            return error_response(400, "malformed_request", "The request body is not a JSON object.")
        # Never echo the submitted value back: it may be a password or an account number.
        fields = [{"field": _field_name(tuple(e.get("loc", ()))), "issue": str(e.get("msg", ""))} for e in errors]
        return error_response(422, "validation_failed", "Some fields are missing or invalid.", fields=fields)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationFailed) and error.fields:
            extra["fields"] = error.fields
        response = error_response(status_for(error), error.code, error.message, **extra)
        if isinstance(error, RateLimited) and error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return error_response(404, "not_found", "There is nothing at this address.")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return error_response(500, "internal_error", "Something went wrong on our side; please try again.")

    return app


def add_meta_routes(app: APIGatewayRestResolver, title: str) -> None:
    """`GET /health` and `GET /openapi.json` (the Powertools-generated document of the routes in `app`)."""

    @app.get("/health", include_in_schema=False)
    def _health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/openapi.json", include_in_schema=False)
    def _openapi() -> dict[str, Any]:
        document: dict[str, Any] = json.loads(app.get_openapi_json_schema(title=title, version=API_VERSION))
        return document
