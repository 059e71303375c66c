"""AWS WAF in front of both REST API stages: AWS managed rule sets and per-IP rate limits.

The application limits attempts per account and per email (PRODUCT §9); the web ACL adds what the
application cannot see cheaply: one source address spraying many accounts. The stricter limit applies to
the routes a caller uses before it has a token (sign-in, MFA, enrollment, password reset).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

# Requests per source IP per 5-minute window (WAF's evaluation window).
RATE_LIMIT_PER_IP = 2000
# Sign-in, enrollment and reset: a person needs a handful of attempts; 100 per 5 minutes still lets an office
# behind one NAT address sign in together.
AUTH_RATE_LIMIT_PER_IP = 100
# URI path fragments of those routes (`/v1/sites/{site}/auth/...`, `/v1/sites/{site}/enrollment...`).
AUTH_PATH_FRAGMENTS = ("/auth/", "/enrollment")
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _path_contains(fragment: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="CONTAINS",
            search_string=fragment,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="LOWERCASE")],
        )
    )


def _rate_rule(
    name: str, priority: int, limit: int, scope_down: wafv2.CfnWebACL.StatementProperty | None
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP", limit=limit, evaluation_window_sec=300, scope_down_statement=scope_down
            )
        ),
        visibility_config=_visibility(name),
    )


class EdgeProtection(Construct):
    """One REGIONAL web ACL, associated with every given stage."""

    def __init__(self, scope: Construct, construct_id: str, *, apis: Sequence[apigw.RestApi]) -> None:
        super().__init__(scope, construct_id)
        prefix = Stack.of(self).stack_name
        managed = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        auth_paths = wafv2.CfnWebACL.StatementProperty(
            or_statement=wafv2.CfnWebACL.OrStatementProperty(
                statements=[_path_contains(fragment) for fragment in AUTH_PATH_FRAGMENTS]
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{prefix}-api",
            description="Customer Portal APIs: AWS managed rules and per-IP rate limits",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{prefix}-api"),
            rules=[
                *managed,
                _rate_rule("AuthRoutesPerIp", len(managed), AUTH_RATE_LIMIT_PER_IP, auth_paths),
                _rate_rule("AllRoutesPerIp", len(managed) + 1, RATE_LIMIT_PER_IP, None),
            ],
        )
        self.associations = []
        for api in apis:
            association = wafv2.CfnWebACLAssociation(
                api,
                "WebAcl",
                resource_arn=api.deployment_stage.stage_arn,
                web_acl_arn=self.web_acl.attr_arn,
            )
            association.node.add_dependency(api.deployment_stage)
            self.associations.append(association)
