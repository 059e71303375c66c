"""The stack builds whatever FUNCTIONS/ROUTES will contain: an end-user authorizer, Cognito routes, a worker.

Synthesizes once with the real tables extended by routes and functions that do not exist yet, so the parts of
`infra/` that only switch on later (authorizers, the chunk worker) are proven before they are needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdk_template import AUTHORIZATION_TYPES, Synth, synth
from pydantic import Field

from infra.constructs.network import ENI_ACTIONS
from infra.constructs.payments import PAYMENT_MAX_RECEIVES
from infra.constructs.queues import VISIBILITY_FACTOR
from infra.stack import ASPIRE_SECRET_ENV
from portal.api.routes import FUNCTIONS, ROUTES, Function, Route
from portal.config import FUNCTION_SETTINGS, IdentitySettings, PaymentsSettings, Required, SyncSettings, TableSettings

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra-stack-growth")]

_FUTURE_FUNCTIONS = (
    Function("authorizer", "authorizer", "end-user session check", 256, 5),
    Function("contracts", "api", "contracts, invoices, amortization"),
    Function("sync_worker", "worker", "one chunk of the daily sync", 1024, 300),
    Function("payments", "api", "bank accounts and one-time payments"),
    Function("payments_writer", "worker", "writes accepted payments to ASPIRE (SQS consumer)", 512, 60),
)


class _WriterSettings(SyncSettings):
    """What a payments writer would read: ASPIRE (so: the VPC) and the key that decrypts account numbers."""

    kms_key_id: Required = Field(alias=IdentitySettings.env_name("kms_key_id"))


# Settings of the functions that do not exist yet; the real table wins once they land.
GROWN_SETTINGS: dict[str, type[TableSettings]] = {
    "payments": PaymentsSettings,
    "payments_writer": _WriterSettings,
    **FUNCTION_SETTINGS,
}
# The real table plus whichever of these it does not have yet (it grows while this test exists).
GROWN_FUNCTIONS = (*FUNCTIONS, *(f for f in _FUTURE_FUNCTIONS if f.name not in {g.name for g in FUNCTIONS}))
WORKER = next(f for f in GROWN_FUNCTIONS if f.name == "sync_worker")
_FUTURE_ROUTES = (
    Route("enduser", "GET", "/sites/{site}/contracts", "contracts", "enduser"),
    Route("enduser", "GET", "/sites/{site}/contracts/{contract_id}", "contracts", "enduser"),
    Route("enduser", "POST", "/sites/{site}/auth/logout", "login", "enduser"),
    Route("admin", "GET", "/admin/sites", "admin", "admin"),
    Route("admin", "POST", "/admin/sites", "admin", "admin"),
    Route("enduser", "POST", "/sites/{site}/payments", "payments", "enduser"),
)
GROWN_ROUTES = (
    *ROUTES,
    *(r for r in _FUTURE_ROUTES if (r.api, r.method, r.path) not in {(q.api, q.method, q.path) for q in ROUTES}),
)


@pytest.fixture(scope="module")
def grown(deps_layer_dir: Path) -> Synth:
    return synth(deps_layer_dir, functions=GROWN_FUNCTIONS, routes=GROWN_ROUTES, settings=GROWN_SETTINGS)


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


def _mapping_of(grown: Synth, function: str) -> dict[str, Any]:
    function_id = grown.function_ids()[function]
    (mapping,) = (
        m["Properties"]
        for m in grown.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    )
    return mapping


def _env(grown: Synth, function: str) -> dict[str, Any]:
    variables: dict[str, Any] = grown.json["Resources"][grown.function_ids()[function]]["Properties"]["Environment"][
        "Variables"
    ]
    return variables


def test_worker_consumes_the_chunk_queue(grown: Synth) -> None:
    worker_id = grown.function_ids()["sync_worker"]
    mapping = _mapping_of(grown, "sync_worker")
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


# --- payments land with no infra code of their own ------------------------------------------------------------


def test_payments_function_gets_its_queue_fingerprint_secret_and_key_from_its_model(grown: Synth) -> None:
    env = _env(grown, "payments")
    # Given PaymentsSettings, the payments function gets every variable it requires
    assert set(PaymentsSettings.required_env()) <= set(env)
    queue_id = env[PaymentsSettings.env_name("payments_queue_url")]["Ref"]
    secret_id = env[PaymentsSettings.env_name("fingerprint_secret_id")]["Ref"]
    assert "Payments" in queue_id and "Fingerprint" in secret_id
    # And the rights behind them: send to that queue, read that secret, use the app key, send email
    role = "FunctionspaymentsRole"
    policies = [
        json.dumps(p["Properties"]["PolicyDocument"])
        for p in grown.resources("AWS::IAM::Policy").values()
        if any(r["Ref"].startswith(role) for r in p["Properties"]["Roles"])
    ]
    granted = " ".join(policies)
    for action in ("sqs:SendMessage", "secretsmanager:GetSecretValue", "kms:Decrypt", "ses:SendEmail"):
        assert action in granted, action
    # But it stays out of the VPC and never reads ASPIRE
    properties = grown.json["Resources"][grown.function_ids()["payments"]]["Properties"]
    assert "VpcConfig" not in properties and ASPIRE_SECRET_ENV not in env


def test_payments_writer_runs_in_the_vpc_and_consumes_the_payments_queue(grown: Synth) -> None:
    properties = grown.json["Resources"][grown.function_ids()["payments_writer"]]["Properties"]
    assert "VpcConfig" in properties and ASPIRE_SECRET_ENV in _env(grown, "payments_writer")
    mapping = _mapping_of(grown, "payments_writer")
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = grown.json["Resources"][mapping["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * 60
    assert queue["RedrivePolicy"]["maxReceiveCount"] == PAYMENT_MAX_RECEIVES == 5
    # Attaching to the VPC needs the ENI actions, inline (no AWS managed policy on any role)
    role_policies = " ".join(
        json.dumps(p["Properties"]["PolicyDocument"])
        for p in grown.resources("AWS::IAM::Policy").values()
        if any(r["Ref"].startswith("FunctionspaymentswriterRole") for r in p["Properties"]["Roles"])
    )
    assert all(action in role_policies for action in ENI_ACTIONS)


def test_the_app_key_policy_names_both_payment_functions_and_login(grown: Synth) -> None:
    key = next(k for k in grown.resources("AWS::KMS::Key").values() if "bank account" in k["Properties"]["Description"])
    users = {
        s["Principal"]["AWS"]["Fn::GetAtt"][0].rstrip("0123456789ABCDEF")
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "Fn::GetAtt" in json.dumps(s["Principal"])
    }
    assert users == {"FunctionsloginRole", "FunctionspaymentsRole", "FunctionspaymentswriterRole"}


def test_a_model_requiring_a_field_the_stack_does_not_know_fails_the_synth(deps_layer_dir: Path) -> None:
    class _Unknown(TableSettings):
        widget_url: Required = Field(alias="PORTAL_WIDGET_URL")

    widgets = Function("widgets", "api", "a function with a setting nobody provides")
    with pytest.raises(ValueError, match=r"_Unknown.widget_url .*provides no such field"):
        synth(deps_layer_dir, functions=(*FUNCTIONS, widgets), settings={**FUNCTION_SETTINGS, "widgets": _Unknown})
