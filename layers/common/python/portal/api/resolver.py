"""The one place that turns exceptions into HTTP answers, and the resolver factory every API function uses.

Routes have no try/except: a domain exception raised anywhere below maps here to the error shape of
API.md, `{"error": {"code", "message"}}`, and anything unexpected becomes a logged 500 that reveals nothing.
What every route of both APIs inherits from here, so a route added later is covered without doing anything:

- bad input is a 4xx: a body is decoded strictly and parsed once with limits (`parse_json_object`), whatever
  Content-Type it came with (API.md: JSON in); anything but a bounded JSON object is 400 `malformed_request`;
- `Cache-Control: no-store` unless the route sets its own (answers carry customer data and tokens);
- CORS for the web front end's origin only (`PORTAL_WEB_ORIGIN`, see `cors_config`), none when it is unset;
- one `requests` metric per request, by route template and status class (flushed by `@metrics.log_metrics`
  on each API handler).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder, Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.config import ApiSettings
from portal.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from portal.observability import logger, metrics

# Every DomainError the caller can cause maps to its 4xx here. Anything else (ConfigurationError, an error class
# added without a decision) is our fault: a logged 500 with the generic message, never a 4xx that blames the caller.
_STATUS: list[tuple[type[DomainError], int]] = [
    (BadRequest, 400),
    (NotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (RateLimited, 429),
    (ValidationFailed, 422),
]

MALFORMED_BODY = "The body must be a JSON object, nested at most 32 deep, with numbers of at most 100 characters."
API_VERSION = "1.0.0"
NO_STORE = "no-store"
INTERNAL_ERROR = ("internal_error", "Something went wrong on our side; please try again.")

# Limits of a request body. Real bodies are a few flat fields; these stop a body from costing CPU (a
# 5,000-digit number is a quadratic int conversion) or the stack (JSON nested a thousand levels deep).
MAX_JSON_DEPTH = 32
MAX_NUMBER_LITERAL = 100
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# What a body that is not text becomes before Powertools reads it: not JSON, so a route that takes a body
# answers 400 `malformed_request` through the one JSON error path, and a route without a body ignores it.
_UNDECODABLE = "\x00"
UNMATCHED_ROUTE = "unmatched"  # the metric's route for paths no route serves (bounded, unlike raw paths)
_UNMATCHED_KEY = "portal_unmatched"  # set in the resolver context by the 404 handler of unmatched paths


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return Response(status, content_types.APPLICATION_JSON, json.dumps(body), headers={"Cache-Control": NO_STORE})


def status_for(error: DomainError) -> int:
    for error_type, status in _STATUS:
        if isinstance(error, error_type):
            return status
    return 500


def _field_name(loc: tuple[Any, ...]) -> str:
    # Powertools prefixes the location with where the value came from ("body", "query", "path", "header").
    return ".".join(str(part) for part in loc[1:]) or str(loc[0]) if loc else ""


# --- the request body ----------------------------------------------------------------------------------------
def _malformed(reason: str, text: str) -> json.JSONDecodeError:
    # JSONDecodeError is what Powertools turns into a `json_invalid` validation error, i.e. our 400.
    return json.JSONDecodeError(reason, text, 0)


def parse_json_object(text: str | bytes | bytearray) -> dict[str, Any]:
    """The request body as a JSON object, within the limits above; `json.JSONDecodeError` for anything else.

    Powertools calls this (once, lazily) for the routes that take a body. Numbers keep Python's types (int,
    float); NaN/Infinity and numbers out of float range are refused, as are lone UTF-16 surrogates, which
    no later layer (DynamoDB, SES, the logs) can encode.
    """
    if not isinstance(text, str):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed("body is not UTF-8", "") from None

    def number(kind: type[int] | type[float]) -> Any:
        def parse(literal: str) -> int | float:
            if len(literal) > MAX_NUMBER_LITERAL:
                raise _malformed("number literal too long", text)
            value = kind(literal)
            if isinstance(value, float) and not math.isfinite(value):
                raise _malformed("number out of range", text)
            return value

        return parse

    def constant(name: str) -> Any:
        raise _malformed(f"{name} is not JSON", text)

    try:
        document = json.loads(text, parse_int=number(int), parse_float=number(float), parse_constant=constant)
    except RecursionError:
        raise _malformed("nested too deeply", text) from None
    if not isinstance(document, dict):
        raise _malformed("not a JSON object", text)
    _check_shape(document, text)
    return document


def _check_shape(document: dict[str, Any], text: str) -> None:
    """Depth and strings of a parsed body, walked without recursion (the depth is what is being checked)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise _malformed("lone surrogate in a string", text)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _malformed("nested too deeply", text)
        children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children)


def _normalised(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with its body as text and JSON as its only content type (a copy; the caller's is untouched).

    API Gateway sends a body that is not UTF-8 base64-encoded; it is decoded strictly here, so a broken body is
    a 400 and never a UnicodeDecodeError (500) inside Powertools. The Content-Type is dropped and replaced by
    JSON because this API takes JSON whatever the client says: the body is then judged by what it is.
    """
    normalised = dict(event)
    body = event.get("body")
    if body is not None and event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(str(body), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            body = _UNDECODABLE
        normalised["body"], normalised["isBase64Encoded"] = body, False
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if isinstance(headers, Mapping):
            kept = {k: v for k, v in headers.items() if str(k).lower() != "content-type"}
            if body:
                json_type = content_types.APPLICATION_JSON
                kept["Content-Type"] = [json_type] if field == "multiValueHeaders" else json_type
            normalised[field] = kept
    return normalised


class PortalResolver(APIGatewayRestResolver):
    """Powertools' REST resolver with the body rules, the default Cache-Control and the per-route metric."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        if is_metrics_disabled():
            # Disabled (tests, `make run`), Powertools neither prints nor clears the metric set at flush, so it
            # would keep every request's value (and warn on each overwritten dimension). Enabled, the handler's
            # `@metrics.log_metrics` clears it after each request.
            metrics.clear_metrics()
        return super().resolve(_normalised(event), context)

    def _build_response(self, response_builder: ResponseBuilder) -> dict[str, Any]:
        # The one point every answer passes (routes, validation errors, exception handlers, 404) with its route.
        headers = response_builder.response.headers
        if not any(name.lower() == "cache-control" for name in headers):
            headers["Cache-Control"] = NO_STORE
        built = super()._build_response(response_builder)
        route = response_builder.route
        unmatched = route is None or self.context.get(_UNMATCHED_KEY)
        _record_outcome(UNMATCHED_ROUTE if unmatched or route is None else route.path, int(built["statusCode"]))
        return built


def _record_outcome(route: str, status: int) -> None:
    metrics.add_dimension(name="route", value=route)
    metrics.add_dimension(name="status_class", value=f"{status // 100}xx")
    metrics.add_metric(name="requests", unit=MetricUnit.Count, value=1)


# What the browser may send cross-origin: the bearer token, JSON bodies and the payments' idempotency key.
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"]


def web_origin(env: Mapping[str, str] | None = None) -> str:
    """The web front end's origin (`PORTAL_WEB_ORIGIN`), "" when unset.

    Read from the environment directly rather than through `ApiSettings.load()`: the resolver is built at import
    time by every API function, whatever settings model that function loads.
    """
    return (os.environ if env is None else env).get(ApiSettings.env_name("web_origin"), "").strip()


def cors_config(env: Mapping[str, str] | None = None) -> CORSConfig | None:
    """CORS for the web front end's origin only, or None (no CORS headers) when `PORTAL_WEB_ORIGIN` is unset.
    Powertools answers `Access-Control-Allow-Origin` only when the request's Origin is this one, never `*`."""
    origin = web_origin(env)
    if not origin:
        return None
    return CORSConfig(allow_origin=origin, allow_headers=CORS_HEADERS, max_age=600)


def make_resolver(*routers: Router) -> PortalResolver:
    app = PortalResolver(enable_validation=True, json_body_deserializer=parse_json_object, cors=cors_config())
    for router in routers:
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        errors = error.errors()
        if any(e.get("type") == "json_invalid" or tuple(e.get("loc", ())) == ("body",) for e in errors):
            return error_response(400, "malformed_request", MALFORMED_BODY)
        # Never echo the submitted value back: it may be a password or an account number.
        fields = [{"field": _field_name(tuple(e.get("loc", ()))), "issue": str(e.get("msg", ""))} for e in errors]
        return error_response(422, "validation_failed", "Some fields are missing or invalid.", fields=fields)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        status = status_for(error)
        if status >= 500:
            # Not the caller's doing (a broken site configuration, say): the code and message are for us.
            logger.error("domain error without a client status", extra={"error_type": type(error).__name__})
            return error_response(status, *INTERNAL_ERROR)
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationFailed) and error.fields:
            extra["fields"] = error.fields
        response = error_response(status, error.code, error.message, **extra)
        if isinstance(error, RateLimited) and error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.not_found
    def _not_found(_: Exception) -> Response:
        app.append_context(**{_UNMATCHED_KEY: True})
        return error_response(404, "not_found", "There is nothing at this address.")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return error_response(500, *INTERNAL_ERROR)

    return app


def add_meta_routes(
    app: APIGatewayRestResolver, title: str, described: Callable[[], APIGatewayRestResolver] | None = None
) -> None:
    """`GET /health` and `GET /openapi.json`: the Powertools-generated document of the routes in `app`, or of
    the resolver `described()` builds (on the first request for the document, so a function that only
    describes other functions' routes does not import them at cold start)."""

    @app.get("/health", include_in_schema=False)
    def _health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/openapi.json", include_in_schema=False)
    def _openapi() -> dict[str, Any]:
        source = described() if described is not None else app
        document: dict[str, Any] = json.loads(source.get_openapi_json_schema(title=title, version=API_VERSION))
        return document
