"""Production readiness of the real template (issue #12): WAF, alarms, data protection, VPC placement, KMS key
policy, no secret in any environment variable, revocation that holds, deployment context that fails loudly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdk_template import DEPLOY_CONTEXT, Synth, synth

from infra.constructs.edge import AUTH_PATH_FRAGMENTS, AUTH_RATE_LIMIT_PER_IP, MANAGED_RULE_GROUPS, RATE_LIMIT_PER_IP
from infra.constructs.monitoring import API_5XX_RATE_THRESHOLD, SYNC_JOBS, SYNC_LAG_THRESHOLD_S
from infra.constructs.network import INTERFACE_ENDPOINTS, MissingContext
from infra.stack import talks_to_aspire
from portal.adapters.dynamodb.tables import TABLES
from portal.api.routes import FUNCTIONS
from portal.config import FUNCTION_SETTINGS

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra-stack")]


def _alarms(app: Synth) -> dict[str, dict[str, Any]]:
    """Alarm properties by the construct id under Monitoring (logical id minus prefix and hash)."""
    return {
        re.sub(r"^Monitoring|[0-9A-F]{8}$", "", logical_id): props["Properties"]
        for logical_id, props in app.resources("AWS::CloudWatch::Alarm").items()
    }


def _alarm_on(app: Synth, metric: str, **dimensions: str) -> dict[str, Any]:
    matches = [
        a
        for a in _alarms(app).values()
        if a.get("MetricName") == metric
        and {d["Name"]: d["Value"] for d in a.get("Dimensions", [])}.items() >= dimensions.items()
    ]
    assert len(matches) == 1, (metric, dimensions, len(matches))
    return matches[0]


# --- edge -----------------------------------------------------------------------------------------------------


def test_one_regional_web_acl_with_managed_rules_and_rate_limits(app: Synth) -> None:
    (acl,) = app.resources("AWS::WAFv2::WebACL").values()
    properties = acl["Properties"]
    assert properties["Scope"] == "REGIONAL" and properties["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in properties["Rules"]}
    for group in MANAGED_RULE_GROUPS:
        assert rules[group]["Statement"]["ManagedRuleGroupStatement"] == {"VendorName": "AWS", "Name": group}
    auth = rules["AuthRoutesPerIp"]["Statement"]["RateBasedStatement"]
    general = rules["AllRoutesPerIp"]["Statement"]["RateBasedStatement"]
    # The stricter limit applies only to the sign-in, enrollment and reset paths, per source IP
    assert auth["AggregateKeyType"] == general["AggregateKeyType"] == "IP"
    assert auth["Limit"] == AUTH_RATE_LIMIT_PER_IP < general["Limit"] == RATE_LIMIT_PER_IP
    fragments = [
        s["ByteMatchStatement"]["SearchString"] for s in auth["ScopeDownStatement"]["OrStatement"]["Statements"]
    ]
    assert fragments == list(AUTH_PATH_FRAGMENTS)
    assert "ScopeDownStatement" not in general
    assert rules["AuthRoutesPerIp"]["Action"] == rules["AllRoutesPerIp"]["Action"] == {"Block": {}}


def test_scope_down_covers_every_public_sign_in_enrollment_and_reset_route() -> None:
    from portal.api.routes import ROUTES

    sensitive = [r for r in ROUTES if r.api == "enduser" and r.method == "POST" and r.auth == "none"]
    assert sensitive, "ROUTES has the sign-in routes"
    assert all(any(f in f"/v1{r.path}/" for f in AUTH_PATH_FRAGMENTS) for r in sensitive), sensitive


def test_web_acl_is_associated_with_both_api_stages(app: Synth) -> None:
    acl_id = next(iter(app.resources("AWS::WAFv2::WebACL")))
    stages = app.resources("AWS::ApiGateway::Stage")
    associated = []
    for association in app.resources("AWS::WAFv2::WebACLAssociation").values():
        assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
        arn = json.dumps(association["Properties"]["ResourceArn"])
        associated += [stage_id for stage_id in stages if stage_id in arn]
    assert sorted(associated) == sorted(stages) and len(stages) == 2


def test_stages_log_json_with_the_request_id_and_throttle(app: Synth) -> None:
    for stage in app.resources("AWS::ApiGateway::Stage").values():
        properties = stage["Properties"]
        log_format = json.loads(properties["AccessLogSetting"]["Format"])
        assert log_format["requestId"] == "$context.requestId"
        assert log_format["extendedRequestId"] == "$context.extendedRequestId"
        settings = properties["MethodSettings"][0]
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0


def test_requests_the_web_acl_blocks_answer_in_the_error_shape(app: Synth) -> None:
    responses = [
        r["Properties"]
        for r in app.resources("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == "WAF_FILTERED"
    ]
    assert len(responses) == 2  # one per API
    for response in responses:
        assert response["StatusCode"] == "403"
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["error"]["code"] == "forbidden" and body["error"]["message"]


# --- revocation -----------------------------------------------------------------------------------------------


def test_enduser_authorizer_results_are_never_cached(app: Synth) -> None:
    # Given logout / password change / deactivation revoke the session item, the next request must see it
    (authorizer,) = (
        a["Properties"]
        for a in app.resources("AWS::ApiGateway::Authorizer").values()
        if a["Properties"]["Type"] == "REQUEST"
    )
    assert authorizer["AuthorizerResultTtlInSeconds"] == 0


# --- alarms ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("job", SYNC_JOBS)
def test_failed_sync_runs_and_restores_alarm_per_job(app: Synth, job: str) -> None:
    for metric in ("run_failed", "restore_detected"):
        alarm = _alarm_on(app, metric, job=job, service="customer-portal")
        assert alarm["Namespace"] == "CustomerPortal"
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        assert alarm["TreatMissingData"] == "notBreaching"


def test_sync_lag_alarms_after_30_minutes_and_when_no_run_reports(app: Synth) -> None:
    alarm = _alarm_on(app, "lag_seconds", job="incremental")
    assert alarm["Threshold"] == SYNC_LAG_THRESHOLD_S == 1800
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "breaching"  # a sync that stopped running publishes nothing


def test_payment_pending_too_long_and_ses_bounce_rate_alarm(app: Synth) -> None:
    pending = _alarm_on(app, "payments_pending_overdue")
    assert (pending["Namespace"], pending["Threshold"]) == ("CustomerPortal", 1)
    bounces = _alarm_on(app, "Reputation.BounceRate")
    assert bounces["Namespace"] == "AWS/SES" and 0 < bounces["Threshold"] < 0.05


def test_each_api_has_a_5xx_rate_alarm(app: Synth) -> None:
    alarms = [a for a in _alarms(app).values() if a.get("MetricName") == "5XXError"]
    apis = {json.dumps(d["Value"]) for a in alarms for d in a["Dimensions"] if d["Name"] == "ApiName"}
    assert len(alarms) == len(apis) == 2
    assert all(a["Statistic"] == "Average" and a["Threshold"] == API_5XX_RATE_THRESHOLD for a in alarms)


def test_every_dead_letter_queue_of_the_stack_alarms(app: Synth) -> None:
    # Dead-letter queues: redrive targets of queues, and the Scheduler targets' DeadLetterConfig
    redrive = [
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
        for q in app.resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    ]
    scheduled = [
        s["Properties"]["Target"]["DeadLetterConfig"]["Arn"] for s in app.resources("AWS::Scheduler::Schedule").values()
    ]
    dead_letter_ids = {ref["Fn::GetAtt"][0] for ref in [*redrive, *scheduled]}
    assert len(dead_letter_ids) >= 3  # schedules, chunks, payments
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for a in _alarms(app).values()
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        for d in a["Dimensions"]
    }
    assert watched == dead_letter_ids


def test_every_alarm_notifies_the_topic_with_the_operators_email(app: Synth) -> None:
    (topic_id,) = (k for k in app.resources("AWS::SNS::Topic") if "Alarms" in k)
    for alarm in _alarms(app).values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    (subscription,) = (
        s for s in app.resources("AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "email"
    )
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == DEPLOY_CONTEXT["alarm_email"]
    app.template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


# --- data protection ------------------------------------------------------------------------------------------


def test_every_table_has_pitr_deletion_protection_and_is_retained(app: Synth) -> None:
    tables = app.resources("AWS::DynamoDB::Table")
    assert len(tables) == len(TABLES)
    for table in tables.values():
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_every_log_group_has_a_retention(app: Synth) -> None:
    for log_group in app.resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] > 0


def test_app_key_is_usable_only_by_the_functions_whose_model_has_the_key(app: Synth) -> None:
    key = next(k for k in app.resources("AWS::KMS::Key").values() if "bank account" in k["Properties"]["Description"])
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    crypto = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:*"}
    users = set()
    for statement in statements:
        actions = set([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        principal = json.dumps(statement["Principal"])
        if ":root" in principal:
            # The account administers the key but no IAM policy of the account can make anyone use it
            assert not actions & crypto, actions
        else:
            assert actions == {"kms:Encrypt", "kms:Decrypt"}
            users.add(statement["Principal"]["AWS"]["Fn::GetAtt"][0])
    expected = {
        f"Functions{f.name.replace('_', '')}Role"
        for f in FUNCTIONS
        if "kms_key_id" in FUNCTION_SETTINGS[f.name].model_fields
        and "kms_key_id" not in FUNCTION_SETTINGS[f.name].withheld_in_aws
    }
    assert expected and {re.sub(r"[0-9A-F]{8}$", "", u) for u in users} == expected


_SECRET_LOOKING = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9+/=_\-]{24,}$")
_SECRET_NAMES = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|_KEY", re.IGNORECASE)


def test_no_secret_in_any_environment_variable(app: Synth) -> None:
    for function_id, function in app.resources("AWS::Lambda::Function").items():
        for name, value in function["Properties"]["Environment"]["Variables"].items():
            if isinstance(value, str):
                # A literal never looks like a key, a password or a token
                assert not _SECRET_LOOKING.match(value), (function_id, name)
            if _SECRET_NAMES.search(name):
                # A secret-ish variable only names the secret or key: an ARN reference, never a literal
                assert isinstance(value, dict) and ({"Ref"} == value.keys() or {"Fn::GetAtt"} == value.keys()), (
                    function_id,
                    name,
                    value,
                )


# --- network --------------------------------------------------------------------------------------------------


def test_exactly_the_aspire_facing_functions_run_in_the_vpc(app: Synth) -> None:
    ids = app.function_ids()
    (group_id,) = (k for k in app.resources("AWS::EC2::SecurityGroup") if "AspireClients" in k)
    for function in FUNCTIONS:
        properties = app.json["Resources"][ids[function.name]]["Properties"]
        if talks_to_aspire(FUNCTION_SETTINGS[function.name]):
            assert properties["VpcConfig"]["SubnetIds"] == DEPLOY_CONTEXT["private_subnet_ids"].split(",")
            assert properties["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
        else:
            assert "VpcConfig" not in properties, function.name  # API functions: no ENI at cold start
    assert {f.name for f in FUNCTIONS if talks_to_aspire(FUNCTION_SETTINGS[f.name])} >= {
        "sync_incremental",
        "sync_daily",
    }


def test_security_group_egress_is_the_sql_server_port_and_https_to_endpoints(app: Synth) -> None:
    (group_id,) = (k for k in app.resources("AWS::EC2::SecurityGroup") if "AspireClients" in k)
    inline = app.json["Resources"][group_id]["Properties"]["SecurityGroupEgress"]
    assert inline == [
        {
            "CidrIp": "10.20.30.40/32",
            "Description": "ASPIRE SQL Server",
            "FromPort": 1433,
            "IpProtocol": "tcp",
            "ToPort": 1433,
        }
    ]
    separate = [
        e["Properties"]
        for e in app.resources("AWS::EC2::SecurityGroupEgress").values()
        if e["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    assert all((e["FromPort"], e["ToPort"], e["IpProtocol"]) == (443, 443, "tcp") for e in separate)
    targets = {"DestinationPrefixListId" in e or "DestinationSecurityGroupId" in e for e in separate}
    assert targets == {True} and len(separate) == 2


def test_vpc_endpoints_for_dynamodb_and_the_services_the_sync_calls(app: Synth) -> None:
    endpoints = app.resources("AWS::EC2::VPCEndpoint").values()
    kinds = sorted(e["Properties"].get("VpcEndpointType", "Gateway") for e in endpoints)
    assert kinds == ["Gateway", *["Interface"] * len(INTERFACE_ENDPOINTS)]
    services = json.dumps([e["Properties"]["ServiceName"] for e in endpoints])
    for service in ("dynamodb", "sqs", "secretsmanager", "kms", "logs", "monitoring"):
        assert f".{service}" in services, service


@pytest.mark.parametrize("missing", ["vpc_id", "aspire_host", "alarm_email"])
def test_synth_without_deployment_context_says_what_to_pass(deps_layer_dir: Path, missing: str) -> None:
    context = {k: v for k, v in DEPLOY_CONTEXT.items() if k != missing}
    with pytest.raises(MissingContext, match=rf"-c {missing}=\.\.\."):
        synth(deps_layer_dir, context=context)


def test_a_host_that_is_not_an_address_is_refused(deps_layer_dir: Path) -> None:
    with pytest.raises(MissingContext, match="aspire_host"):
        synth(deps_layer_dir, context={**DEPLOY_CONTEXT, "aspire_host": "sql.example.internal"})


def test_the_alarm_topic_is_encrypted_with_a_key_of_its_own(app: Synth) -> None:
    # CloudWatch must be able to use the topic's key, so it is not the application key
    (topic,) = (t for k, t in app.resources("AWS::SNS::Topic").items() if "Alarms" in k)
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    assert "bank account" not in app.json["Resources"][key_id]["Properties"]["Description"]


def test_no_function_can_update_or_delete_an_audit_entry(app: Synth) -> None:
    # Every function role carries the Deny on the control table's AUDIT# partitions (entries are insert-only)
    roles = {k for k in app.resources("AWS::IAM::Role") if k.startswith("Functions")}
    denied = set()
    for policy in app.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            leading = statement.get("Condition", {}).get("ForAnyValue:StringLike", {}).get("dynamodb:LeadingKeys")
            if statement["Effect"] == "Deny" and leading == ["AUDIT#*"]:
                assert set(statement["Action"]) == {"dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                                    "dynamodb:BatchWriteItem"}  # fmt: skip
                denied |= {r["Ref"] for r in policy["Properties"]["Roles"]}
    assert roles and roles == denied


def test_ses_publishes_delivery_bounce_and_complaint_events_to_the_function_that_records_them(app: Synth) -> None:
    destinations = app.resources("AWS::SES::ConfigurationSetEventDestination")
    assert len(destinations) == 1
    destination = next(iter(destinations.values()))["Properties"]["EventDestination"]
    assert destination["Enabled"] is True
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint", "delivery"]
    topic = destination["SnsDestination"]["TopicARN"]["Ref"]
    subscriptions = [s["Properties"] for s in app.resources("AWS::SNS::Subscription").values()]
    lambda_subscriptions = [s for s in subscriptions if s["Protocol"] == "lambda"]
    assert [s["TopicArn"]["Ref"] for s in lambda_subscriptions] == [topic]
    assert lambda_subscriptions[0]["Endpoint"]["Fn::GetAtt"][0] == app.function_ids()["ses_events"]
