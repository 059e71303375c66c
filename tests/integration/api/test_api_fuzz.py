"""Every route of both APIs under arbitrary input: never a 5xx, always the API.md error shape (or a success).

Hypothesis draws the method, the path segments (raw, percent-encoded, or the signed-in user's real site and
contract so the route's body runs), headers (Content-Type included), query parameters and the body (arbitrary
bytes, or JSON objects with the routes' own field names so validation and the services are reached). The
runs are derandomized: the same examples every time, so a failure here is reproducible, not flaky.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.events import api_event
from portal.api.routes import ROUTES, Route
from tests.integration.admin.admin_kit import ADMIN as ADMIN_CLAIMS
from tests.integration.api.conftest import EMAIL, SignedIn
from tests.integration.identity.kit import PASSWORD, call

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The verified claims of a support member, as the admin API's Cognito authorizer passes them (admin routes).
STAFF = {"claims": {"sub": "staff-1", "email": "support@example.com", "cognito:groups": "[portal-support]"}}
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_NAMES = [
    "email", "password", "challenge_id", "code", "token", "first_name", "last_name", "postal_code", "contract_id",
    "current_password", "new_password",
    # admin bodies (issue #10)
    "site_id", "display_name", "private_labels", "is_default", "account_ids", "payment_limit", "login_branding",
]  # fmt: skip
CONTENT_TYPES = ["application/json", "APPLICATION/JSON", "text/plain", "application/xml", "application/vnd.api+json",
                 "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ""]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    | st.sampled_from([EMAIL, PASSWORD, "C-100", "123456"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
json_objects = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), json_values, max_size=6)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=300),
    json_objects.map(json.dumps),
    json_objects.map(lambda o: json.dumps(o).encode("utf-16")),
)
header_names = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=20)
headers = st.dictionaries(header_names, st.text(max_size=60), max_size=4)
content_type = st.one_of(st.none(), st.sampled_from(CONTENT_TYPES), st.text(max_size=40))
queries = st.dictionaries(
    st.sampled_from(["limit", "next_token", "status", "q", "user_id", "contract_id", "account_id", "email"])
    | st.text(max_size=8),
    st.text(max_size=40) | st.sampled_from(["0", "1", "100", "101", "-1", "open", "closed", "all"]),
    max_size=3,
)
methods = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
)


def segment(real: str) -> st.SearchStrategy[str]:
    text = st.text(max_size=40)
    return st.one_of(st.just(real), text, text.map(lambda t: quote(t, safe="")), st.just(quote(real + "\x00")))


def _path(route: Route, draw: Any, signed_in: SignedIn, on_route: bool) -> tuple[str, dict[str, str]]:
    real = {"site": signed_in.site, "contract_id": signed_in.contract_id}
    names = re.findall(r"\{(\w+)\}", route.path)
    params = {name: real.get(name, "x") if on_route else draw(segment(real.get(name, "x"))) for name in names}
    path = route.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path, params


def assert_api_answer(status: int, body: Any, headers: dict[str, Any]) -> None:
    assert status < 500, body
    assert headers.get("Cache-Control"), headers
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"error"}, body
        error = body["error"]
        assert set(error) <= {"code", "message", "fields"} and SNAKE_CASE.match(error["code"]), error
        assert isinstance(error["message"], str) and error["message"], error


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.api} {r.method} {r.path}")
def test_no_input_makes_a_route_answer_5xx_or_leave_the_error_shape(signed_in: SignedIn, route: Route) -> None:
    @FUZZ
    @given(data=st.data())
    def probe(data: st.DataObject) -> None:
        # Three examples in four hit the route itself (its method, the user's site and contract), so the
        # body, the headers and the query reach validation and the route's code; the rest probe around it.
        on_route = data.draw(st.integers(0, 3), label="on_route") > 0
        method = route.method if on_route else data.draw(methods, label="method")
        path, params = _path(route, data.draw, signed_in, on_route)
        sent_headers = data.draw(headers, label="headers")
        kind = data.draw(content_type, label="content_type")
        if kind is not None:
            sent_headers["Content-Type"] = kind
        authorized = route.auth == "none" or data.draw(st.booleans(), label="authorized")
        event = api_event(
            method,
            path,
            resource=route.path,
            path_params=params,
            query=data.draw(queries, label="query"),
            headers=sent_headers,
            body=data.draw(bodies, label="body"),
            authorizer=(signed_in.authorizer if route.auth == "enduser" else {"claims": ADMIN_CLAIMS})
            if route.auth != "none" and authorized
            else None,
            api_id=route.api,
        )
        assert_api_answer(*call(route.function, event))

    probe()
