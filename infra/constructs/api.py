"""The two REST APIs ("enduser" and "admin"), built from `ROUTES`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from portal.api.resolver import CORS_HEADERS
from portal.api.routes import Api, Function, Route

STAGE_NAME = "v1"
# No authorizer result cache. A cached Allow would outlive logout, a password change or a deactivation by up to
# the TTL, and API Gateway cannot flush one token's entry; with TTL 0 every request reaches the authorizer,
# which reads the session item, so revocation holds on the next request (PRODUCT §4). The cost: one authorizer
# invocation (a DynamoDB GetItem, ~10 ms warm) per end-user request, and its Lambda invocations.
AUTHORIZER_CACHE_TTL = Duration.seconds(0)
# JSON access log of every request; `requestId` is what the functions log as the correlation id, and
# `extendedRequestId` is what AWS support asks for.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "authorizerStatus": "$context.authorizer.status",
    "wafStatus": "$context.waf.status",
    "errorType": "$context.error.responseType",
}
# Stage-wide defaults; per-account brute-force limits live in the application (PRODUCT §9).
THROTTLING_RATE_LIMIT = 50
THROTTLING_BURST_LIMIT = 100
# How long a browser may reuse a preflight answer: the resolver's `max_age` (portal/api/resolver.py).
CORS_MAX_AGE = Duration.seconds(600)


def _error_body(code: str, message: str) -> dict[str, str]:
    return {"application/json": json.dumps({"error": {"code": code, "message": message}})}


def _error_body_from_gateway(code: str) -> dict[str, str]:
    # `$context.error.messageString` is API Gateway's message already quoted as a JSON string.
    return {"application/json": '{"error": {"code": "' + code + '", "message": $context.error.messageString}}'}


# API Gateway answers these itself (no function involved); the bodies follow the error shape of API.md.
# MISSING_AUTHENTICATION_TOKEN is what API Gateway returns for a path/method it does not know: a 404 there.
GATEWAY_RESPONSES: tuple[tuple[apigw.ResponseType, str | None, dict[str, str]], ...] = (
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", _error_body("not_found", "No such resource.")),
    (apigw.ResponseType.UNAUTHORIZED, "401", _error_body("unauthorized", "Authentication is required.")),
    (apigw.ResponseType.ACCESS_DENIED, "403", _error_body("forbidden", "This action is not allowed.")),
    (apigw.ResponseType.THROTTLED, "429", _error_body("rate_limited", "Too many requests; try again later.")),
    # Blocked by the web ACL (infra/constructs/edge.py): managed rules or a per-IP rate limit. One answer for
    # both, so a blocked caller learns nothing about which rule matched.
    (apigw.ResponseType.WAF_FILTERED, "403", _error_body("forbidden", "This request was blocked.")),
    (apigw.ResponseType.DEFAULT_4_XX, None, _error_body_from_gateway("bad_request")),
    (apigw.ResponseType.DEFAULT_5_XX, None, _error_body("internal_error", "Something went wrong on our side.")),
)


def _public_reason(route: Route) -> str:
    return (
        f"{route.method} {route.path} is declared auth='none' in ROUTES: public by design (API.md), like the "
        "health check, the OpenAPI document, site branding and the sign-in/enrollment/reset routes a caller "
        "uses before it has a token."
    )


class PortalApi(Construct):
    """One REST API: a resource per path segment, a method per route, Lambda proxy integrations.

    Request validation happens in the functions (Powertools resolver with pydantic models), so API Gateway
    validators are not used. Authorizers are created only when a route needs them: CDK refuses an authorizer
    that no method uses.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: Api,
        routes: Sequence[Route],
        functions: Mapping[str, lambda_.IFunction],
        definitions: Sequence[Function],
        user_pool: cognito.IUserPool | None = None,
        web_origin: str | None = None,
    ) -> None:
        """`web_origin`: the one browser origin (the web apps) that may call this API cross-origin; None: no CORS.
        The functions answer CORS on their responses themselves (`PORTAL_WEB_ORIGIN`); API Gateway answers the
        preflight (ROUTES has no OPTIONS routes) and adds the header to the errors it makes itself."""
        super().__init__(scope, construct_id)
        self.api_name = api
        self.routes = [r for r in routes if r.api == api]
        for route in self.routes:
            if route.function not in functions:
                raise ValueError(f"route {route.method} {route.path} ({api}) names unknown function {route.function}")

        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{Stack.of(self).stack_name}-{api}",
            description=f"Customer Portal {api} API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The account-wide CloudWatch role is the account owner's choice, not this stack's.
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
                throttling_rate_limit=THROTTLING_RATE_LIMIT,
                throttling_burst_limit=THROTTLING_BURST_LIMIT,
                tracing_enabled=True,
                metrics_enabled=True,
            ),
            default_cors_preflight_options=(
                apigw.CorsOptions(allow_origins=[web_origin], allow_headers=CORS_HEADERS, max_age=CORS_MAX_AGE)
                if web_origin
                else None
            ),
        )
        # The stack exports the URL as EndUserApiUrl/AdminApiUrl; drop RestApi's own unnamed duplicate output.
        self.rest_api.node.try_remove_child("Endpoint")
        # Without the CORS header the browser hides these errors from the page (a 401 would look like a network
        # failure), so they carry it like the functions' own answers.
        cors = {"Access-Control-Allow-Origin": f"'{web_origin}'", "Vary": "'Origin'"} if web_origin else {}
        for response_type, status, templates in GATEWAY_RESPONSES:
            self.rest_api.add_gateway_response(
                f"GatewayResponse{response_type.response_type}",
                type=response_type,
                status_code=status,
                templates=templates,
                response_headers={"Content-Type": "'application/json'", "Cache-Control": "'no-store'", **cors},
            )

        self.enduser_authorizer = self._enduser_authorizer(functions, definitions)
        self.admin_authorizer = self._admin_authorizer(user_pool)
        # One integration (and so one invoke permission for the whole API) per function, not per method:
        # a permission per method would outgrow the 20 KB Lambda resource-policy limit as routes are added.
        integrations: dict[str, apigw.LambdaIntegration] = {}
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in self.routes:
            if route.function not in integrations:
                integrations[route.function] = apigw.LambdaIntegration(
                    functions[route.function], proxy=True, scope_permission_to_method=False
                )
            self.methods[(route.method, route.path)] = self._method(route, integrations[route.function])
        self._preflights_are_public()

        NagSuppressions.add_resource_suppressions(
            self.rest_api,
            [
                NagPackSuppression(
                    id="AwsSolutions-APIG2",
                    reason="Requests are validated in the functions (Powertools resolver with pydantic models), "
                    "which answer 400/422 in the API.md error shape; API Gateway validators cannot.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-APIG6",
                    reason="JSON access logs are on; execution logging needs the account-wide API Gateway "
                    "CloudWatch role, which this stack deliberately does not take over (see docs/deploy.md).",
                ),
            ],
            apply_to_children=True,
        )

    def _enduser_authorizer(
        self, functions: Mapping[str, lambda_.IFunction], definitions: Sequence[Function]
    ) -> apigw.RequestAuthorizer | None:
        if not any(r.auth == "enduser" for r in self.routes):
            return None
        authorizers = [d.name for d in definitions if d.kind == "authorizer"]
        if not authorizers:
            raise ValueError("routes with auth 'enduser' exist but FUNCTIONS has no function of kind 'authorizer'")
        # Not cached (AUTHORIZER_CACHE_TTL says why). Should a TTL ever come back, the cached policy is evaluated
        # against every later method ARN, so it must allow every method the token may call, not only the first.
        return apigw.RequestAuthorizer(
            self,
            "EndUserAuthorizer",
            handler=functions[authorizers[0]],
            identity_sources=[apigw.IdentitySource.header("Authorization")],
            results_cache_ttl=AUTHORIZER_CACHE_TTL,
        )

    def _admin_authorizer(self, user_pool: cognito.IUserPool | None) -> apigw.CognitoUserPoolsAuthorizer | None:
        if not any(r.auth == "admin" for r in self.routes):
            return None
        if user_pool is None:
            raise ValueError("routes with auth 'admin' exist but no admin user pool was given")
        # No authorization scopes on the methods: then API Gateway accepts the pool's ID tokens (API.md);
        # group checks (portal-admins writes, portal-support reads) happen in the admin function.
        return apigw.CognitoUserPoolsAuthorizer(self, "AdminAuthorizer", cognito_user_pools=[user_pool])

    def _resource(self, path: str) -> apigw.IResource:
        resource: apigw.IResource = self.rest_api.root
        for part in (p for p in path.split("/") if p):
            resource = resource.get_resource(part) or resource.add_resource(part)
        return resource

    def _method(self, route: Route, integration: apigw.LambdaIntegration) -> apigw.Method:
        resource = self._resource(route.path)
        if route.auth == "enduser":
            method = resource.add_method(
                route.method,
                integration,
                authorization_type=apigw.AuthorizationType.CUSTOM,
                authorizer=self.enduser_authorizer,
            )
            NagSuppressions.add_resource_suppressions(
                method,
                [
                    NagPackSuppression(
                        id="AwsSolutions-COG4",
                        reason="End users sign in with the portal's own accounts and sessions (PRODUCT §4), "
                        "checked by the Lambda REQUEST authorizer; Cognito guards only the admin API.",
                    )
                ],
            )
        elif route.auth == "admin":
            method = resource.add_method(
                route.method,
                integration,
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorizer=self.admin_authorizer,
            )
        else:
            method = resource.add_method(route.method, integration, authorization_type=apigw.AuthorizationType.NONE)
            NagSuppressions.add_resource_suppressions(
                method,
                [
                    NagPackSuppression(id="AwsSolutions-APIG4", reason=_public_reason(route)),
                    NagPackSuppression(id="AwsSolutions-COG4", reason=_public_reason(route)),
                ],
            )
        return method

    def _preflights_are_public(self) -> None:
        # The browser sends a preflight without credentials (Fetch standard), so the OPTIONS methods that
        # `default_cors_preflight_options` adds to every resource cannot require a token; they answer from a
        # mock integration and reach no function.
        reason = "CORS preflight (OPTIONS, mock integration, no function): browsers send it without credentials."
        for method in self.rest_api.methods:
            if method.http_method == "OPTIONS":
                NagSuppressions.add_resource_suppressions(
                    method,
                    [
                        NagPackSuppression(id="AwsSolutions-APIG4", reason=reason),
                        NagPackSuppression(id="AwsSolutions-COG4", reason=reason),
                    ],
                )

    @property
    def url(self) -> str:
        return self.rest_api.url

    @property
    def origin(self) -> str:
        """`https://<api id>.execute-api.<region>.<suffix>`: the URL's origin from the API's id alone. `url` names
        the stage, which depends on every method (and so on the web origin of the CORS preflights); the web
        apps' CSP must not, or CloudFormation would see a cycle."""
        stack = Stack.of(self)
        return f"https://{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
