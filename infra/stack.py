"""The Customer Portal stack: one construct per concern, wired together and granted to each other here.

What a function may use follows from the settings model it loads (`FUNCTION_SETTINGS`, portal/config.py): a
model field the stack knows (`PROVIDED_FIELDS`) gets the function its environment variable *and* the grant
behind it, and a model with `aspire_secret_id` puts the function in ASPIRE's VPC. A new function (payments,
payments_writer, admin with its own model) therefore lands with no infra code of its own; a model that
requires a field the stack does not know fails the synth, naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.api import PortalApi
from infra.constructs.auth import AdminAuth
from infra.constructs.data import Data
from infra.constructs.edge import EdgeProtection
from infra.constructs.functions import Functions
from infra.constructs.layer import Layers
from infra.constructs.mail import Mail
from infra.constructs.monitoring import Monitoring
from infra.constructs.network import NETWORK_CONTEXT, AspireNetwork, NetworkContext, require_context
from infra.constructs.payments import Payments
from infra.constructs.secrets import Secrets
from infra.constructs.sync import Sync
from infra.constructs.web import CustomDomain, WebApps
from infra.paths import COMMON_BUILD_DIR, DEPS_LAYER_DIR
from portal.api.routes import FUNCTIONS, ROUTES, Function, Route
from portal.config import FUNCTION_SETTINGS, SyncSettings, TableSettings

DEFAULT_SENDER_DOMAIN = "example.com"

# Every variable name comes from the settings models (portal/config.py): one spelling, checked by
# tests/infra against the model each function loads (FUNCTION_SETTINGS).
ASPIRE_SECRET_ENV = SyncSettings.env_name("aspire_secret_id")
ALARM_CONTEXT = {"alarm_email": "where alarm notifications go (ops@example.com); confirm the SNS email"}
# Fields only the laptop runtime sets (the SQLite ASPIRE stand-in, the .eml outbox): never given in AWS.
LOCAL_ONLY_FIELDS = frozenset({"aspire_sqlite_path", "outbox_dir"})
# The key operations a key user gets: no ReEncrypt*/GenerateDataKey* wildcards, no administration.
APP_KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt")


def talks_to_aspire(model: type[TableSettings]) -> bool:
    """The one predicate for ASPIRE access (ASPIRE secret + VPC placement): the model reads the ASPIRE secret."""
    return "aspire_secret_id" in model.model_fields


@dataclass(frozen=True)
class Provided:
    """What the stack gives a function whose settings model has a field: its value, and the grant behind it."""

    value: str
    grant: Callable[[lambda_.Function], object] | None = None


class PortalStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deps_layer_dir: Path = DEPS_LAYER_DIR,
        common_layer_dir: Path = COMMON_BUILD_DIR,
        sender_domain: str = DEFAULT_SENDER_DOMAIN,
        functions: Sequence[Function] = FUNCTIONS,
        routes: Sequence[Route] = ROUTES,
        settings: Mapping[str, type[TableSettings]] = FUNCTION_SETTINGS,
        log_level: str = "INFO",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("description", "Customer Portal: self-service portal for ASPIRE customers")
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add("project", "customer-portal")
        self.settings = {f.name: self._model(f, settings) for f in functions}
        aspire_facing = {name for name, model in self.settings.items() if talks_to_aspire(model)}
        context = self.node.try_get_context
        require_context(context, {**(NETWORK_CONTEXT if aspire_facing else {}), **ALARM_CONTEXT})

        self.data = Data(self, "Data")
        self.layers = Layers(self, "Layers", deps_dir=Path(deps_layer_dir), common_dir=Path(common_layer_dir))
        self.network = (
            AspireNetwork(self, "AspireNetwork", network=NetworkContext.from_context(context))
            if aspire_facing
            else None
        )
        self.functions = Functions(
            self,
            "Functions",
            functions=functions,
            layers=self.layers.all,
            tables=self.data.tables,
            log_level=log_level,
            network=self.network,
            in_vpc=lambda f: f.name in aspire_facing,
        )
        self.admin_auth = AdminAuth(self, "AdminAuth")
        self.secrets = Secrets(self, "Secrets")
        self.mail = Mail(self, "Mail", sender_domain=sender_domain)
        self.sync = Sync(self, "Sync", functions=self.functions)
        self.payments = Payments(self, "Payments", functions=self.functions)
        # web (issue #11): the APIs answer CORS for the web apps' origin only, and the apps' CSP names the APIs'
        # origins. CloudFormation sees no cycle because the CSP uses the APIs' ids, not their stages
        # (PortalApi.origin); in the code, the distribution comes first and learns the API origins after them.
        self.web = WebApps(
            self,
            "Web",
            domain=CustomDomain.from_context(context),
            web_acl_arn=context("web_acl_arn"),
        )
        web_origin = self.web.origin
        self.enduser_api = PortalApi(
            self,
            "EndUserApi",
            api="enduser",
            routes=routes,
            functions=self.functions.functions,
            definitions=functions,
            web_origin=web_origin,
        )
        self.admin_api = PortalApi(
            self,
            "AdminApi",
            api="admin",
            routes=routes,
            functions=self.functions.functions,
            definitions=functions,
            user_pool=self.admin_auth.user_pool,
            web_origin=web_origin,
        )
        self._deploy_web()
        apis = [self.enduser_api.rest_api, self.admin_api.rest_api]
        self.edge = EdgeProtection(self, "Edge", apis=apis)
        # The application key encrypts TOTP seeds (login) and bank account numbers (payments).
        self.app_key = self.data.app_key
        # Emailed links point at the web apps unless the deployment says otherwise.
        web_base_url = context("web_base_url") or self.web.origin
        if "ses_events" in self.functions.functions:
            self.mail.record_events_with(self.functions.functions["ses_events"])
        self._audit_is_insert_only()
        self._provide(
            {
                "kms_key_id": Provided(self.app_key.key_arn, self._grant_app_key),
                "sender_email": Provided(f"no-reply@{sender_domain}", lambda f: self.mail.grant_send([f])),
                "ses_configuration_set": Provided(self.mail.configuration_set.configuration_set_name),
                "web_base_url": Provided(web_base_url),
                "web_origin": Provided(self.web.origin),
                "sync_chunk_queue_url": Provided(self.sync.chunks.queue_url, self.sync.chunks.grant_send_messages),
                "payments_queue_url": Provided(self.payments.queue.queue_url, self.payments.queue.grant_send_messages),
                "fingerprint_secret_id": Provided(
                    self.secrets.fingerprint.secret_arn, lambda f: self.secrets.fingerprint.grant_read(f)
                ),
                "aspire_secret_id": Provided(
                    self.secrets.aspire.secret_arn, lambda f: self.secrets.aspire.grant_read(f)
                ),
            }
        )
        self.monitoring = Monitoring(self, "Monitoring", alarm_email=str(context("alarm_email")), apis=apis)
        self.monitoring.watch_dead_letters()  # last: every dead-letter queue of the stack exists by now
        self._outputs()

    def _deploy_web(self) -> None:
        """The web apps may call the two APIs and Cognito; their files go out with `config.json` naming them."""
        cognito_origin = f"https://cognito-idp.{self.region}.{self.url_suffix}"
        # The admin console signs in against the admin pool from the browser (Cognito's API endpoint).
        self.web.allow_connections([self.enduser_api.origin, self.admin_api.origin, cognito_origin])
        self.web.deploy(
            {
                "enduser_api": self.enduser_api.url,
                "admin_api": self.admin_api.url,
                "admin_cognito": {
                    "endpoint": f"{cognito_origin}/",
                    "client_id": self.admin_auth.client.user_pool_client_id,
                },
            }
        )

    @staticmethod
    def _model(function: Function, settings: Mapping[str, type[TableSettings]]) -> type[TableSettings]:
        if function.name not in settings:
            raise ValueError(f"function {function.name} has no settings model in FUNCTION_SETTINGS (portal/config.py)")
        return settings[function.name]

    def _provide(self, provided: Mapping[str, Provided]) -> None:
        """Each function gets the variable and the grant of every field of its model the stack provides."""
        table_fields = set(TableSettings.model_fields)  # every function gets the tables (Functions)
        for name, model in self.settings.items():
            function = self.functions.functions[name]
            for field, info in model.model_fields.items():
                if field in table_fields or field in LOCAL_ONLY_FIELDS or field in model.withheld_in_aws:
                    continue
                if field not in provided:
                    if info.is_required() or field in model.required_in_aws:
                        raise ValueError(
                            f"{model.__name__}.{field} ({model.env_name(field)}) is required by {name}, but "
                            "infra/stack.py provides no such field: add it to the stack's provided fields"
                        )
                    continue
                function.add_environment(model.env_name(field), provided[field].value)
                if (grant := provided[field].grant) is not None:
                    grant(function)

    def _audit_is_insert_only(self) -> None:
        """No role may update or delete an audit entry (PRODUCT.md §7), whatever the code does: entries are only
        put, with `attribute_not_exists(pk)`, in the same transaction as the change they describe."""
        control = self.data.tables["control"]
        for function in self.functions.functions.values():
            assert function.role is not None  # Functions gives every function a role of its own
            function.role.add_to_principal_policy(
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    actions=["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
                    resources=[control.table_arn],
                    conditions={"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["AUDIT#*"]}},
                )
            )

    def _grant_app_key(self, function: lambda_.Function) -> None:
        # The key policy (infra/constructs/data.py) lets the account administer the key but not use it, so
        # only the roles named here can encrypt or decrypt, whatever IAM policies the account has.
        role = function.role
        assert role is not None  # Functions gives every function a role of its own
        self.app_key.add_to_resource_policy(
            iam.PolicyStatement(actions=list(APP_KEY_ACTIONS), principals=[role], resources=["*"])
        )
        iam.Grant.add_to_principal(grantee=role, actions=list(APP_KEY_ACTIONS), resource_arns=[self.app_key.key_arn])

    def _outputs(self) -> None:
        CfnOutput(self, "EndUserApiUrl", value=self.enduser_api.url, description="End-user API base URL")
        CfnOutput(self, "AdminApiUrl", value=self.admin_api.url, description="Admin API base URL")
        CfnOutput(self, "WebUrl", value=f"{self.web.origin}/", description="The borrower site; /admin/ the console")
        CfnOutput(
            self,
            "WebDistributionId",
            value=self.web.distribution.distribution_id,
            description="aws cloudfront create-invalidation --distribution-id <this> --paths '/*' (README)",
        )
        CfnOutput(self, "AdminUserPoolId", value=self.admin_auth.user_pool.user_pool_id)
        CfnOutput(self, "AdminUserPoolClientId", value=self.admin_auth.client.user_pool_client_id)
        CfnOutput(
            self,
            "AspireSecretArn",
            value=self.secrets.aspire.secret_arn,
            description="Set its value to the ASPIRE credentials (docs/deploy.md)",
        )
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn, description="Alarm notifications")
        if self.network is not None:
            CfnOutput(
                self,
                "AspireClientsSecurityGroupId",
                value=self.network.security_group.security_group_id,
                description="Admit this security group on the ASPIRE SQL Server's firewall (docs/deploy.md)",
            )
