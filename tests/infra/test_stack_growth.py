"""The stack builds whatever FUNCTIONS/ROUTES will contain: an end-user authorizer, Cognito routes, a worker.

Synthesizes once with the real tables extended by routes and functions that do not exist yet, so the parts of
`infra/` that only switch on later (authorizers, the chunk worker) are proven before they are needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdk_template import AUTHORIZATION_TYPES, Synth, synth

from infra.constructs.sync import VISIBILITY_FACTOR
from infra.stack import ASPIRE_SECRET_ENV
from portal.api.routes import FUNCTIONS, ROUTES, Function, Route

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra-stack-growth")]

_FUTURE_FUNCTIONS = (
    Function("authorizer", "authorizer", "end-user session check", 256, 5),
    Function("contracts", "api", "contracts, invoices, amortization"),
    Function("sync_worker", "worker", "one chunk of the daily sync", 1024, 300),
)
# The real table plus whichever of these it does not have yet (it grows while this test exists).
GROWN_FUNCTIONS = (*FUNCTIONS, *(f for f in _FUTURE_FUNCTIONS if f.name not in {g.name for g in FUNCTIONS}))
WORKER = next(f for f in GROWN_FUNCTIONS if f.name == "sync_worker")
_FUTURE_ROUTES = (
    Route("enduser", "GET", "/sites/{site}/contracts", "contracts", "enduser"),
    Route("enduser", "GET", "/sites/{site}/contracts/{contract_id}", "contracts", "enduser"),
    Route("enduser", "POST", "/sites/{site}/auth/logout", "login", "enduser"),
    Route("admin", "GET", "/admin/sites", "admin", "admin"),
    Route("admin", "POST", "/admin/sites", "admin", "admin"),
)
GROWN_ROUTES = (
    *ROUTES,
    *(r for r in _FUTURE_ROUTES if (r.api, r.method, r.path) not in {(q.api, q.method, q.path) for q in ROUTES}),
)


@pytest.fixture(scope="module")
def grown(deps_layer_dir: Path) -> Synth:
    return synth(deps_layer_dir, functions=GROWN_FUNCTIONS, routes=GROWN_ROUTES)


def test_every_route_gets_its_authorization_type(grown: Synth) -> None:
    methods = grown.methods()
    assert sorted(methods) == sorted((r.api, r.method, r.path) for r in GROWN_ROUTES)
    for route in GROWN_ROUTES:
        method = methods[(route.api, route.method, route.path)]
        assert method["AuthorizationType"] == AUTHORIZATION_TYPES[route.auth], route
        assert ("AuthorizerId" in method) == (route.auth != "none"), route


def test_enduser_authorizer_is_an_uncached_request_authorizer_on_the_authorization_header(grown: Synth) -> None:
    grown.template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.Authorization",
            # Revocation (logout, password change, deactivation) holds on the next request: no cached Allow
            "AuthorizerResultTtlInSeconds": 0,
        },
    )
    authorizer = next(
        a["Properties"]
        for a in grown.resources("AWS::ApiGateway::Authorizer").values()
        if a["Properties"]["Type"] == "REQUEST"
    )
    assert grown.function_ids()["authorizer"] in json.dumps(authorizer["AuthorizerUri"])


def test_admin_routes_use_the_cognito_authorizer_of_the_admin_pool(grown: Synth) -> None:
    pool_id = next(iter(grown.resources("AWS::Cognito::UserPool")))
    grown.template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {"Type": "COGNITO_USER_POOLS", "ProviderARNs": [{"Fn::GetAtt": [pool_id, "Arn"]}]},
    )


def test_worker_consumes_the_chunk_queue(grown: Synth) -> None:
    worker_id = grown.function_ids()["sync_worker"]
    mapping = next(iter(grown.resources("AWS::Lambda::EventSourceMapping").values()))["Properties"]
    assert mapping["FunctionName"] == {"Ref": worker_id}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_id = mapping["EventSourceArn"]["Fn::GetAtt"][0]
    queue = grown.json["Resources"][queue_id]["Properties"]
    assert queue["VisibilityTimeout"] == VISIBILITY_FACTOR * WORKER.timeout_s
    assert "RedrivePolicy" in queue


def test_new_functions_get_their_secrets(grown: Synth) -> None:
    env = {
        name: grown.json["Resources"][logical_id]["Properties"]["Environment"]["Variables"]
        for name, logical_id in grown.function_ids().items()
    }
    assert ASPIRE_SECRET_ENV in env["sync_worker"]
    assert ASPIRE_SECRET_ENV not in env["contracts"] and ASPIRE_SECRET_ENV not in env["authorizer"]


def test_grown_stack_has_no_unsuppressed_cdk_nag_errors(grown: Synth) -> None:
    assert grown.nag_errors() == []


def test_enduser_routes_without_an_authorizer_function_are_refused(deps_layer_dir: Path) -> None:
    functions = tuple(f for f in FUNCTIONS if f.kind != "authorizer")
    api_function = next(f.name for f in functions if f.kind == "api")
    routes = (*ROUTES, Route("enduser", "GET", "/infra-test/private", api_function, "enduser"))
    with pytest.raises(ValueError, match="kind 'authorizer'"):
        synth(deps_layer_dir, functions=functions, routes=routes)


def test_route_to_an_unknown_function_is_refused(deps_layer_dir: Path) -> None:
    routes = (*ROUTES, Route("enduser", "GET", "/infra-test/public", "nobody", "none"))
    with pytest.raises(ValueError, match="unknown function nobody"):
        synth(deps_layer_dir, functions=FUNCTIONS, routes=routes)
