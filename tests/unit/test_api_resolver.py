"""The shared resolver on a route table of its own: what any route added later inherits (bodies, statuses,
Cache-Control), and the status of every DomainError in the package."""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel

import portal
from local.events import LambdaContextStub, api_event
from portal.api.fields import Email, Secret
from portal.api.resolver import MALFORMED_BODY, MAX_JSON_DEPTH, make_resolver, parse_json_object, status_for
from portal.domain.errors import BadRequest, ConfigurationError, DomainError, NotFound

router = Router()


class SignIn(BaseModel):
    email: Email
    password: Secret


@router.post("/things/<thing>")
def post_thing(thing: str, body: SignIn) -> dict[str, str]:
    return {"thing": thing, "email": body.email}


@router.get("/things/<thing>")
def get_thing(thing: str) -> dict[str, str]:
    return {"thing": thing}


@router.get("/cached")
def cached() -> Response[str]:
    return Response(200, "application/json", "{}", headers={"Cache-Control": "max-age=60"})


RAISED: dict[str, DomainError] = {}


@router.get("/raise/<name>")
def raise_it(name: str) -> None:
    raise RAISED[name]


app = make_resolver(router)


def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, str]]:
    response = app.resolve(api_event(method, path, **kwargs), LambdaContextStub("unit"))
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None, headers


GOOD = {"email": "pat@example.com", "password": "a fine passphrase"}


def assert_malformed(answer: tuple[int, Any, dict[str, str]]) -> None:
    status, body, _ = answer
    assert status == 400, body
    assert body == {
        "error": {
            "code": "malformed_request",
            "message": MALFORMED_BODY,
        }
    }


# --- bodies ------------------------------------------------------------------------------------------------------
def test_a_body_that_is_not_utf8_is_400_on_a_route_with_a_body() -> None:
    # Given a body API Gateway had to base64-encode because it is not UTF-8
    event_body = b"\xff\xfe{" + json.dumps(GOOD).encode()
    # When it is posted / Then it is malformed, not a 500
    assert_malformed(call("POST", "/things/a", body=event_body))


def test_a_base64_body_that_is_utf8_json_is_read_as_json() -> None:
    # Given a JSON body that the client sent base64-encoded (binary media types)
    event = api_event("POST", "/things/a", body=json.dumps(GOOD))
    event["body"], event["isBase64Encoded"] = base64.b64encode(event["body"].encode()).decode(), True
    # When it is resolved / Then it is validated as usual
    response = app.resolve(event, LambdaContextStub("unit"))
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"thing": "a", "email": GOOD["email"]}


def test_a_body_that_is_not_utf8_is_ignored_by_a_route_without_a_body() -> None:
    status, body, _ = call("GET", "/things/a", body=b"\xff\xfe")
    assert (status, body) == (200, {"thing": "a"})


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "APPLICATION/JSON", "application/vnd.api+json", None]
)
def test_json_is_accepted_whatever_the_content_type_says(content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    # Given a JSON object / Then it is validated as usual: a good one passes, a bad value is a 422
    status, body, _ = call("POST", "/things/a", body=json.dumps(GOOD), headers=headers)
    assert (status, body) == (200, {"thing": "a", "email": GOOD["email"]})
    status, body, _ = call("POST", "/things/a", body=json.dumps({**GOOD, "email": "nope"}), headers=headers)
    assert status == 422 and [f["field"] for f in body["error"]["fields"]] == ["email"]
    # And anything that is not a JSON object is malformed
    assert_malformed(call("POST", "/things/a", body="<email>pat@example.com</email>", headers=headers))


@pytest.mark.parametrize(
    "raw",
    [
        '{"email": ' + "1" * 5000 + "}",
        '{"email": 1.' + "1" * 5000 + "}",
        "[" * 1000 + "]" * 1000,
        '{"a": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"email": NaN, "password": "x"}',
        '{"email": 1e999, "password": "x"}',
        '{"email": "\\ud800@example.com", "password": "x"}',
        '["not", "an", "object"]',
        '"a string"',
        "42",
        "null",
        "   ",
        "{",
        '{"email": "pat@example.com", "password": "x"} trailing',
    ],
    ids=lambda raw: raw[:24],
)
def test_bodies_beyond_the_limits_or_not_an_object_are_400(raw: str) -> None:
    assert_malformed(call("POST", "/things/a", body=raw))


def test_nesting_up_to_the_limit_is_a_json_object() -> None:
    # Given an object nested exactly to the limit, and one level more
    at_limit = '{"a": ' * (MAX_JSON_DEPTH - 1) + "{}" + "}" * (MAX_JSON_DEPTH - 1)
    beyond = '{"a": ' * MAX_JSON_DEPTH + "{}" + "}" * MAX_JSON_DEPTH
    # Then the first parses and the second does not
    assert isinstance(parse_json_object(at_limit), dict)
    with pytest.raises(json.JSONDecodeError):
        parse_json_object(beyond)
    assert parse_json_object('{"n": ' + "9" * 100 + "}")["n"] == int("9" * 100)


def test_a_missing_body_is_400_and_bad_values_are_422_without_echoing_them() -> None:
    assert_malformed(call("POST", "/things/a"))
    status, body, _ = call("POST", "/things/a", body=json.dumps({"email": "pat@example.com", "password": "se\x00cret"}))
    assert status == 422 and body["error"]["code"] == "validation_failed"
    assert body["error"]["fields"][0]["field"] == "password" and "se\x00cret" not in json.dumps(body)


# --- statuses ----------------------------------------------------------------------------------------------------
def _all_domain_errors() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(portal.__path__, prefix="portal."):
        importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    pending = [DomainError]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("portal.") and sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


EXPECTED_STATUS = {
    "BadRequest": 400,
    "InvalidToken": 400,
    "InvalidPageToken": 400,
    "Unauthorized": 401,
    "InvalidCredentials": 401,
    "InvalidCode": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "EmailTaken": 409,
    "ValidationFailed": 422,
    "RateLimited": 429,
    "ConfigurationError": 500,
    "SyncRefused": 500,  # raised by the sync functions only; no caller of the APIs can cause it
}


def test_every_domain_error_of_the_package_has_a_decided_status() -> None:
    # Given every DomainError subclass defined anywhere in the portal package
    errors = _all_domain_errors()
    # Then each one has the status decided for it (a new class fails here until someone decides)
    assert {e.__name__ for e in errors} == set(EXPECTED_STATUS)
    for error_type in errors:
        error = error_type.__new__(error_type)  # some take no arguments; status_for only looks at the type
        assert status_for(error) == EXPECTED_STATUS[error_type.__name__], error_type


def test_a_configuration_error_is_a_500_that_reveals_nothing() -> None:
    RAISED["config"] = ConfigurationError("site summit is configured twice", code="duplicate_site")
    status, body, headers = call("GET", "/raise/config")
    assert status == 500 and headers["Cache-Control"] == "no-store"
    assert body == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side; please try again."}
    }


def test_client_faults_keep_their_code_and_message() -> None:
    RAISED["bad"] = BadRequest("That will not do.", code="bad_thing")
    RAISED["gone"] = NotFound("No such thing.", code="thing_not_found")
    assert call("GET", "/raise/bad")[:2] == (400, {"error": {"code": "bad_thing", "message": "That will not do."}})
    assert call("GET", "/raise/gone")[:2] == (404, {"error": {"code": "thing_not_found", "message": "No such thing."}})


# --- Cache-Control -----------------------------------------------------------------------------------------------
def test_every_answer_is_no_store_unless_the_route_says_otherwise() -> None:
    assert call("GET", "/things/a")[2]["Cache-Control"] == "no-store"
    assert call("POST", "/things/a", body=json.dumps(GOOD))[2]["Cache-Control"] == "no-store"
    assert call("POST", "/things/a", body="[]")[2]["Cache-Control"] == "no-store"
    assert call("GET", "/nowhere")[2]["Cache-Control"] == "no-store"
    assert call("GET", "/cached")[2]["Cache-Control"] == "max-age=60"
