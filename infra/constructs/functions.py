"""One Lambda function per `FUNCTIONS` entry, each with its own role, log group and least-privilege grants."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.constructs.layer import ARCHITECTURE, RUNTIME
from infra.constructs.network import AspireNetwork
from infra.paths import ASSET_EXCLUDES, FUNCTIONS_DIR
from portal.adapters.dynamodb.tables import TABLES
from portal.api.routes import Function
from portal.config import TableSettings

SERVICE_NAME = "customer-portal"
METRICS_NAMESPACE = "CustomerPortal"

# Item-level DynamoDB actions. Transactions need no actions of their own (IAM checks the Put/Update/Delete/
# ConditionCheck inside them). `Scan` is left out of request paths on purpose: an API call never needs to
# read a whole table, and a bug that tries to should fail loudly instead of reading every site's data.
DDB_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem")
DDB_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
DDB_SCAN = ("dynamodb:Scan",)


def table_actions(function: Function, table: str) -> tuple[str, ...]:
    """The DynamoDB actions `function` gets on the table with logical name `table` (empty: no access)."""
    if function.kind == "authorizer":
        # Checks a session (and slides its idle timeout) and reads instance/site settings; nothing else.
        return {"identity": DDB_READ + DDB_WRITE, "control": DDB_READ}.get(table, ())
    if function.kind in ("schedule", "worker"):
        # Daily reconciliation of deletions may page through a site's data.
        return DDB_READ + DDB_WRITE + DDB_SCAN
    return DDB_READ + DDB_WRITE


def table_environment(tables: Mapping[str, dynamodb.ITable]) -> dict[str, str]:
    """`TABLE_*` variables, named as `TableSettings` reads them (and as `TableDef.env_var()` spells them)."""
    aliases = {field.alias for field in TableSettings.model_fields.values() if field.alias}
    environment = {definition.env_var(): tables[definition.logical_name].table_name for definition in TABLES}
    if missing := aliases - environment.keys():
        raise ValueError(f"TableSettings reads {sorted(missing)} but TABLES defines no such table")
    return environment


class Functions(Construct):
    """`self.functions[name]` is the Lambda function of the `FUNCTIONS` entry `name`.

    All functions share one code asset (the whole `functions/` folder: `meta` imports `login`'s router), the
    two layers, Python 3.12 on x86_64 (the platform the dependencies layer is built for) and active X-Ray
    tracing. Each has its own role, so a grant to one function never reaches another.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Sequence[Function],
        layers: Sequence[lambda_.ILayerVersion],
        tables: Mapping[str, dynamodb.ITable],
        log_level: str = "INFO",
        network: AspireNetwork | None = None,
        in_vpc: Callable[[Function], bool] = lambda _: False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.network = network
        self.in_vpc = in_vpc
        self.definitions: dict[str, Function] = {f.name: f for f in functions}
        self.functions: dict[str, lambda_.Function] = {}
        code = lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=ASSET_EXCLUDES)
        environment = {
            **table_environment(tables),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": log_level,
        }
        for definition in functions:
            self.functions[definition.name] = self._function(definition, code, list(layers), environment)
            for logical_name, table in tables.items():
                if actions := table_actions(definition, logical_name):
                    table.grant(self.functions[definition.name], *actions)

    def _function(
        self, definition: Function, code: lambda_.Code, layers: list[lambda_.ILayerVersion], env: dict[str, str]
    ) -> lambda_.Function:
        scope = Construct(self, definition.name)
        log_group = logs.LogGroup(scope, "Logs", retention=logs.RetentionDays.ONE_MONTH)
        # An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Customer Portal function {definition.name}",
        )
        log_group.grant_write(role)
        network = self.network if self.in_vpc(definition) else None
        if self.in_vpc(definition) and network is None:
            raise ValueError(f"{definition.name} talks to ASPIRE and must run in its VPC, but no network was given")
        if network is not None:
            AspireNetwork.grant_attach(role)
        function = lambda_.Function(
            scope,
            "Function",
            description=definition.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=code,
            handler=definition.handler,
            layers=layers,
            memory_size=definition.memory_mb,
            timeout=Duration.seconds(definition.timeout_s),
            environment=env,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnets if network else None,
            security_groups=[network.security_group] if network else None,
        )
        star_reason = "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions."
        if network is not None:
            star_reason += " Nor do the EC2 network-interface actions Lambda needs to attach the function to the VPC."
        NagSuppressions.add_resource_suppressions(
            role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=star_reason,
                    applies_to=["Resource::*"],
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="DynamoDB grants cover the table's global secondary indexes (`<table>/index/*`); "
                    "the index names come from TABLES and queries on any of them are part of the grant.",
                    applies_to=[{"regex": "/^Resource::<.+Table[0-9A-F]{8}\\.Arn>\\/index\\/\\*$/g"}],
                ),
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            function,
            [
                NagPackSuppression(
                    id="AwsSolutions-L1",
                    reason="Pinned to Python 3.12: the dependencies layer is built for cp312 manylinux_2_28 "
                    "wheels; runtime and layer are upgraded together, deliberately.",
                )
            ],
        )
        return function

    def of_kind(self, kind: str) -> list[lambda_.Function]:
        return [self.functions[name] for name, f in self.definitions.items() if f.kind == kind]

    def named(self, names: Iterable[str]) -> list[lambda_.Function]:
        """The functions among `names` that exist (the function table grows over time)."""
        return [self.functions[name] for name in names if name in self.functions]

    def add_environment(self, functions: Iterable[lambda_.Function], key: str, value: str) -> None:
        for function in functions:
            function.add_environment(key, value)
