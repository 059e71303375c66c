"""The synthesized CloudFormation template of the real app: tables, functions, routes, schedules, auth, nag, lint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk.assertions import Match
from cdk_template import AUTHORIZATION_TYPES, Synth, cfn_lint_errors

from infra.constructs.queues import VISIBILITY_FACTOR
from infra.constructs.sync import CHUNK_QUEUE_ENV
from infra.stack import ASPIRE_SECRET_ENV
from portal.adapters.dynamodb.tables import TABLES
from portal.api.routes import FUNCTIONS, FUNCTIONS_BY_NAME, ROUTES
from portal.config import FUNCTION_SETTINGS, TableSettings

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra-stack")]


def _env(app: Synth, function: str) -> dict[str, object]:
    logical_id = app.function_ids()[function]
    variables: dict[str, object] = app.json["Resources"][logical_id]["Properties"]["Environment"]["Variables"]
    return variables


def _role_prefix(function: str) -> str:
    """Logical ids of a function's role start with this (construct path Functions/<name>/Role)."""
    return f"Functions{function.replace('_', '')}Role"


# --- data -----------------------------------------------------------------------------------------------------


def test_one_table_per_definition(app: Synth) -> None:
    app.template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))


@pytest.mark.parametrize("definition", TABLES, ids=lambda t: t.logical_name)
def test_table_keys_index_ttl_pitr_billing_and_retention(app: Synth, definition: object) -> None:
    from portal.adapters.dynamodb.tables import TableDef

    assert isinstance(definition, TableDef)
    index = definition.indexes[0]
    app.template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "KeySchema": [
                        {"AttributeName": definition.partition_key, "KeyType": "HASH"},
                        {"AttributeName": definition.sort_key, "KeyType": "RANGE"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "DeletionProtectionEnabled": True,
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "SSESpecification": {"SSEEnabled": True},
                    "TimeToLiveSpecification": {"AttributeName": definition.ttl_attribute, "Enabled": True},
                    "GlobalSecondaryIndexes": [
                        {
                            "IndexName": index.name,
                            "KeySchema": [
                                {"AttributeName": index.partition_key, "KeyType": "HASH"},
                                {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                            ],
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    ],
                }
            ),
        },
    )


def test_app_key_rotates_and_is_retained(app: Synth) -> None:
    app.template.has_resource(
        "AWS::KMS::Key", {"DeletionPolicy": "Retain", "Properties": Match.object_like({"EnableKeyRotation": True})}
    )


# --- functions ------------------------------------------------------------------------------------------------


def test_one_lambda_per_function_entry(app: Synth) -> None:
    assert sorted(app.function_ids()) == sorted(f.name for f in FUNCTIONS)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)
def test_lambda_matches_its_entry(app: Synth, function: object) -> None:
    from portal.api.routes import Function

    assert isinstance(function, Function)
    properties = app.json["Resources"][app.function_ids()[function.name]]["Properties"]
    assert properties["Handler"] == function.handler
    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["x86_64"]
    assert properties["MemorySize"] == function.memory_mb
    assert properties["Timeout"] == function.timeout_s
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert len(properties["Layers"]) == 2
    assert "LogGroup" in properties["LoggingConfig"]


def test_every_function_names_the_tables_as_table_settings_reads_them(app: Synth) -> None:
    aliases = {field.alias for field in TableSettings.model_fields.values()}
    for function in FUNCTIONS:
        env = _env(app, function.name)
        assert aliases <= env.keys()
        assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"} <= env.keys()


def test_function_logs_are_kept_one_month(app: Synth) -> None:
    function_log_groups = {
        props["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for props in app.resources("AWS::Lambda::Function").values()
    }
    for logical_id in function_log_groups:
        assert app.json["Resources"][logical_id]["Properties"]["RetentionInDays"] == 30


def test_no_function_uses_an_aws_managed_policy(app: Synth) -> None:
    for role in app.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_api_functions_cannot_scan(app: Synth) -> None:
    for policy in app.resources("AWS::IAM::Policy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        roles = json.dumps(policy["Properties"]["Roles"])
        api_roles = [f.name for f in FUNCTIONS if f.kind == "api" and _role_prefix(f.name) in roles]
        if api_roles:
            actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
            assert "dynamodb:Scan" not in actions, api_roles


def test_secrets_reach_only_the_functions_whose_model_reads_them(app: Synth) -> None:
    for function in FUNCTIONS:
        env = _env(app, function.name)
        assert (ASPIRE_SECRET_ENV in env) == ("aspire_secret_id" in FUNCTION_SETTINGS[function.name].model_fields)
    # And the secrets are the ASPIRE credentials and the fingerprint key: the portal keeps no token signing key
    descriptions = sorted(s["Properties"]["Description"] for s in app.resources("AWS::SecretsManager::Secret").values())
    assert [d.split(":")[1].split()[0] for d in descriptions] == ["ASPIRE", "HMAC"]


def test_every_function_gets_each_variable_its_settings_model_requires(app: Synth) -> None:
    # Given the settings model each function loads at cold start
    assert set(FUNCTION_SETTINGS) == set(FUNCTIONS_BY_NAME)
    for function in FUNCTIONS:
        model = FUNCTION_SETTINGS[function.name]
        # Then its Environment.Variables hold every variable the model requires
        missing = set(model.required_env()) - set(_env(app, function.name))
        assert not missing, f"{function.name} ({model.__name__}) lacks {sorted(missing)}"
        # And Lambda's `_HANDLER` names the function the way `portal.config.running_function` reads it
        handler = app.json["Resources"][app.function_ids()[function.name]]["Properties"]["Handler"]
        assert handler.split(".", 1)[0] == function.name


def test_the_stack_spells_no_variable_name_of_its_own() -> None:
    # Every PORTAL_/ASPIRE_/SYNC_/TOKEN_ name comes from a settings model (`env_name`), none from a literal
    pattern = re.compile(r"[\"'](PORTAL|ASPIRE|SYNC|TOKEN)_[A-Z0-9_]+[\"']")
    infra = Path(__file__).resolve().parents[2] / "infra"
    spelled = {
        str(path.relative_to(infra)): pattern.findall(path.read_text())
        for path in [*infra.glob("*.py"), *infra.glob("constructs/*.py")]
    }
    assert {name: found for name, found in spelled.items() if found} == {}


def test_only_functions_whose_model_sends_email_may_send_email(app: Synth) -> None:
    senders = set()
    for policy in app.resources("AWS::IAM::Policy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any("ses:SendEmail" in s["Action"] for s in statements):
            senders |= {role["Ref"] for role in policy["Properties"]["Roles"]}
    expected = {name for name, model in FUNCTION_SETTINGS.items() if "sender_email" in model.model_fields}
    assert "login" in expected
    assert {name for name in FUNCTIONS_BY_NAME if any(r.startswith(_role_prefix(name)) for r in senders)} == expected


def test_ses_identity_for_the_sender_domain(app: Synth) -> None:
    app.template.has_resource_properties(
        "AWS::SES::EmailIdentity",
        {"EmailIdentity": "portal.example.com", "ConfigurationSetAttributes": Match.object_like({})},
    )


# --- APIs -----------------------------------------------------------------------------------------------------


def test_every_route_is_a_method_on_its_api_with_its_authorization(app: Synth) -> None:
    methods = app.methods()
    functions = app.function_ids()
    # Exactly the routes: no method that ROUTES does not declare.
    assert sorted(methods) == sorted((r.api, r.method, r.path) for r in ROUTES)
    for route in ROUTES:
        method = methods[(route.api, route.method, route.path)]
        assert method["AuthorizationType"] == AUTHORIZATION_TYPES[route.auth], route
        assert method["Integration"]["Type"] == "AWS_PROXY"
        assert functions[route.function] in json.dumps(method["Integration"]["Uri"]), route


def test_authorizers_exist_only_for_routes_that_need_them(app: Synth) -> None:
    expected = sum(any(r.auth == auth and r.api == auth for r in ROUTES) for auth in ("enduser", "admin"))
    app.template.resource_count_is("AWS::ApiGateway::Authorizer", expected)


@pytest.mark.parametrize("api", ["enduser", "admin"])
def test_unknown_paths_answer_404_in_the_error_shape(app: Synth, api: str) -> None:
    api_id = next(k for k, v in app.api_names().items() if v == api)
    responses = {
        props["Properties"]["ResponseType"]: props["Properties"]
        for props in app.resources("AWS::ApiGateway::GatewayResponse").values()
        if props["Properties"]["RestApiId"] == {"Ref": api_id}
    }
    assert {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED"} <= set(
        responses
    )
    not_found = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert not_found["StatusCode"] == "404"
    assert json.loads(not_found["ResponseTemplates"]["application/json"])["error"]["code"] == "not_found"
    assert responses["UNAUTHORIZED"]["StatusCode"] == "401"
    assert responses["ACCESS_DENIED"]["StatusCode"] == "403"
    for response in responses.values():
        assert '"error": {"code": ' in response["ResponseTemplates"]["application/json"]


def test_stages_log_access_in_json_and_throttle(app: Synth) -> None:
    for stage in app.resources("AWS::ApiGateway::Stage").values():
        properties = stage["Properties"]
        assert json.loads(properties["AccessLogSetting"]["Format"])["requestId"] == "$context.requestId"
        assert properties["MethodSettings"][0]["ThrottlingRateLimit"] > 0
        assert properties["TracingEnabled"] is True


# --- sync -----------------------------------------------------------------------------------------------------


def test_incremental_sync_every_15_minutes(app: Synth) -> None:
    app.template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(15 minutes)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": Match.object_like(
                {
                    "Arn": {"Fn::GetAtt": [app.function_ids()["sync_incremental"], "Arn"]},
                    "DeadLetterConfig": Match.object_like({}),
                    "RetryPolicy": Match.object_like({"MaximumRetryAttempts": Match.any_value()}),
                }
            ),
        },
    )


def test_daily_sync_at_4am_chicago_time(app: Synth) -> None:
    app.template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(0 4 * * ? *)",
            "ScheduleExpressionTimezone": "America/Chicago",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": Match.object_like({"Arn": {"Fn::GetAtt": [app.function_ids()["sync_daily"], "Arn"]}}),
        },
    )
    app.template.resource_count_is("AWS::Scheduler::Schedule", 2)


def test_chunk_queue_outlasts_its_worker_and_has_a_dead_letter_queue(app: Synth) -> None:
    worker = FUNCTIONS_BY_NAME.get("sync_worker")
    timeout = worker.timeout_s if worker else 900
    app.template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "VisibilityTimeout": Match.any_value(),
            "RedrivePolicy": Match.object_like({"maxReceiveCount": Match.any_value()}),
        },
    )
    chunk_queues = [
        q for k, q in app.resources("AWS::SQS::Queue").items() if "RedrivePolicy" in q["Properties"] and "Chunks" in k
    ]
    assert [q["Properties"]["VisibilityTimeout"] >= VISIBILITY_FACTOR * timeout for q in chunk_queues] == [True]
    assert CHUNK_QUEUE_ENV in _env(app, "sync_daily")


# --- admin auth -----------------------------------------------------------------------------------------------


def test_admin_pool_is_invite_only_with_required_totp_and_a_strict_password_policy(app: Synth) -> None:
    app.template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "MfaConfiguration": "ON",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": 14,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                        "PasswordHistorySize": 12,
                    }
                )
            },
        },
    )


def test_admin_pool_has_both_groups_and_a_public_client(app: Synth) -> None:
    groups = {g["Properties"]["GroupName"] for g in app.resources("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"portal-admins", "portal-support"}
    app.template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
        },
    )


# --- whole template -------------------------------------------------------------------------------------------


def test_outputs_for_the_operator(app: Synth) -> None:
    assert {"EndUserApiUrl", "AdminApiUrl", "AdminUserPoolId", "AdminUserPoolClientId"} <= set(app.json["Outputs"])


def test_no_unsuppressed_cdk_nag_errors(app: Synth) -> None:
    assert app.nag_errors() == []


def test_cfn_lint_finds_no_errors(app: Synth) -> None:
    assert cfn_lint_errors(app.json) == []
