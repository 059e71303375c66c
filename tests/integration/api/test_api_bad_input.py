"""Bad input on the real end-user functions: a 400 or 422 in the API.md shape, never a 500, never an echo."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.events import api_event
from portal.api.resolver import MALFORMED_BODY
from portal.api.routes import ROUTES, Route
from tests.integration.api.conftest import EMAIL, SignedIn
from tests.integration.identity.kit import PASSWORD, call

BODY_ROUTES = [r for r in ROUTES if r.method == "POST" and r.function == "login" and "logout" not in r.path]
BODY_ROUTES = [r for r in BODY_ROUTES if not r.path.endswith("/me/totp")]  # the two POSTs without a body


def post(signed_in: SignedIn, route: Route, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    event = api_event(
        "POST",
        route.path.replace("{site}", signed_in.site),
        resource=route.path,
        path_params={"site": signed_in.site},
        headers=headers,
        body=body,
        authorizer=signed_in.authorizer if route.auth == "enduser" else None,
    )
    status, answer, headers_out = call(route.function, event)
    assert headers_out["Cache-Control"] == "no-store"
    return status, answer


MALFORMED = {
    "error": {
        "code": "malformed_request",
        "message": MALFORMED_BODY,
    }
}


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.path)
def test_every_body_route_answers_400_to_bodies_that_are_not_a_bounded_json_object(
    signed_in: SignedIn, route: Route
) -> None:
    # Given bodies that are not UTF-8, too deep, with a huge number, or a JSON value that is not an object
    bodies: list[str | bytes] = [
        b"\xff\xfe\x00{",
        b'{"email": "\xe9t\xe9@example.com"}',  # Latin-1, not UTF-8
        "[" * 1000 + "]" * 1000,
        '{"email": ' + "1" * 5000 + "}",
        "[]",
    ]
    # When each is posted / Then each is malformed
    for body in bodies:
        assert post(signed_in, route, body) == (400, MALFORMED), body[:20]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "APPLICATION/JSON", "application/vnd.api+json", ""]
)
def test_a_json_body_signs_in_whatever_content_type_it_came_with(signed_in: SignedIn, content_type: str) -> None:
    (login,) = [r for r in BODY_ROUTES if r.path.endswith("/auth/login")]
    headers = {"Content-Type": content_type} if content_type else {}
    status, body = post(signed_in, login, json.dumps({"email": EMAIL, "password": PASSWORD}), headers)
    assert status == 200 and body["token_type"] == "Bearer"
    assert post(signed_in, login, "email=pat.lee%40example.com", headers) == (400, MALFORMED)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x9f", "\u2028"], ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_in_names_and_passwords_are_422_before_anything_is_looked_up(
    signed_in: SignedIn, char: str
) -> None:
    # Given an enrollment with a control character in the name, and sign-ins with one in the password
    details = {"first_name": f"Pa{char}t", "last_name": "Lee", "email": "new@example.com"}
    details |= {"postal_code": "60601", "contract_id": signed_in.contract_id}
    enroll = next(r for r in BODY_ROUTES if r.path.endswith("/enrollment"))
    login = next(r for r in BODY_ROUTES if r.path.endswith("/auth/login"))
    # When they are posted
    enrolled = post(signed_in, enroll, details)
    known = post(signed_in, login, {"email": EMAIL, "password": f"{PASSWORD}{char}"})
    unknown = post(signed_in, login, {"email": "nobody@example.com", "password": f"{PASSWORD}{char}"})
    # Then each is a 422 naming the field, the same for a known and an unknown email, and nothing is sent
    assert enrolled[0] == 422 and [f["field"] for f in enrolled[1]["error"]["fields"]] == ["first_name"]
    assert known == unknown and known[0] == 422
    assert [f["field"] for f in known[1]["error"]["fields"]] == ["password"] and PASSWORD not in json.dumps(known)
    assert signed_in.world.outbox.all("new@example.com") == []
