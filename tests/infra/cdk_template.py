"""Synthesis and read helpers for the CDK template tests (imported by the test modules of tests/infra)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match, Template

from infra.app import build
from portal.api.routes import Function, Route
from portal.config import TableSettings

# Logical id prefix of the one Lambda function CDK's BucketDeployment adds to the stack.
BUCKET_DEPLOYMENT_HANDLER = "CustomCDKBucketDeployment"
AUTHORIZATION_TYPES = {"none": "NONE", "enduser": "CUSTOM", "admin": "COGNITO_USER_POOLS"}

# The deployment context docs/deploy.md asks for, with test values (imported from attributes: no lookups).
DEPLOY_CONTEXT = {
    "sender_domain": "portal.example.com",
    "alarm_email": "ops@example.com",
    "vpc_id": "vpc-0123456789abcdef0",
    "availability_zones": "us-east-1a,us-east-1b",
    "private_subnet_ids": "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2",
    "private_subnet_route_table_ids": "rtb-0aaaaaaaaaaaaaaa1,rtb-0bbbbbbbbbbbbbbb2",
    "dynamodb_prefix_list_id": "pl-02cd2c6b",
    "aspire_host": "10.20.30.40",
    "aspire_port": "1433",
}


@dataclass
class Synth:
    stack: cdk.Stack
    template: Template

    @cached_property
    def json(self) -> dict[str, Any]:
        return dict(self.template.to_json())

    def resources(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.json["Resources"].items() if v["Type"] == cfn_type}

    def asset_dir(self, object_key: str) -> Path:
        """The staged folder of the asset uploaded as `object_key` (`<hash>.zip`) in the synthesized assembly."""
        assembly = cdk.Stage.of(self.stack)
        assert assembly is not None
        return Path(assembly.synth().directory) / f"asset.{object_key.removesuffix('.zip')}"

    def nag_errors(self) -> list[str]:
        found = Annotations.from_stack(self.stack).find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
        return [f"{message.id}: {str(message.entry.data)[:300]}" for message in found]

    def function_ids(self) -> dict[str, str]:
        """Function name (folder under functions/) -> logical id of its AWS::Lambda::Function (not CDK's
        BucketDeployment handler, which copies the web apps at deploy time)."""
        return {
            props["Properties"]["Handler"].split(".")[0]: logical_id
            for logical_id, props in self.resources("AWS::Lambda::Function").items()
            if not logical_id.startswith(BUCKET_DEPLOYMENT_HANDLER)
        }

    def api_names(self) -> dict[str, str]:
        """Logical id of each RestApi -> "enduser" / "admin" (from the `<stack>-<api>` name)."""
        return {
            logical_id: props["Properties"]["Name"].rsplit("-", 1)[1]
            for logical_id, props in self.resources("AWS::ApiGateway::RestApi").items()
        }

    def _path_of(self, resource_id: Any) -> tuple[str, str]:
        """(RestApi logical id, full path) of a method's ResourceId."""
        if "Fn::GetAtt" in resource_id:  # the root resource of a RestApi
            return resource_id["Fn::GetAtt"][0], ""
        resource = self.json["Resources"][resource_id["Ref"]]["Properties"]
        api_id, parent_path = self._path_of(resource["ParentId"])
        return api_id, f"{parent_path}/{resource['PathPart']}"

    def methods(self, *, preflights: bool = False) -> dict[tuple[str, str, str], dict[str, Any]]:
        """(api, HTTP method, path) -> properties of the AWS::ApiGateway::Method: the routes' methods, or with
        `preflights` the CORS preflights (OPTIONS) API Gateway answers itself."""
        apis = self.api_names()
        methods = {}
        for props in self.resources("AWS::ApiGateway::Method").values():
            properties = props["Properties"]
            if (properties["HttpMethod"] == "OPTIONS") != preflights:
                continue
            api_id, path = self._path_of(properties["ResourceId"])
            methods[(apis[api_id], properties["HttpMethod"], path or "/")] = properties
        return methods


def synth(
    deps_layer_dir: Path,
    *,
    functions: Sequence[Function] | None = None,
    routes: Sequence[Route] | None = None,
    settings: Mapping[str, type[TableSettings]] | None = None,
    context: Mapping[str, str] | None = None,
) -> Synth:
    """The app as `infra/app.py` builds it (cdk-nag included), optionally with another function/route/settings
    table or context. The placeholder layer directory stands in for both layers."""
    layers = {"deps_layer_dir": str(deps_layer_dir), "common_layer_dir": str(deps_layer_dir)}
    app = cdk.App(context={**layers, **(DEPLOY_CONTEXT if context is None else context)})
    if functions is None and routes is None and settings is None:
        _, stack = build(app)
    else:
        from cdk_nag import AwsSolutionsChecks

        from infra.app import STACK_NAME
        from infra.stack import PortalStack
        from portal.api.routes import FUNCTIONS, ROUTES
        from portal.config import FUNCTION_SETTINGS

        stack = PortalStack(
            app,
            STACK_NAME,
            deps_layer_dir=deps_layer_dir,
            common_layer_dir=deps_layer_dir,
            sender_domain=str(app.node.try_get_context("sender_domain") or "example.com"),
            settings=FUNCTION_SETTINGS if settings is None else settings,
            functions=FUNCTIONS if functions is None else functions,
            routes=ROUTES if routes is None else routes,
        )
        cdk.Aspects.of(app).add(AwsSolutionsChecks())
    return Synth(stack=stack, template=Template.from_stack(stack))


def cfn_lint_errors(template: dict[str, Any]) -> list[str]:
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    return [str(m) for m in matches if m.rule.id.startswith("E")]
